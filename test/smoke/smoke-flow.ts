/**
 * The flow the smoke test deploys, as the editor would send it: three HTTP endpoints of Node-RED that
 * answer with what the package's nodes produced — rows of a split grid rebuilt by a join, a converted
 * scalar, and what a catch node received for a 404.
 */
import { gridColumns } from '../support/grid-columns';
import { API_USER } from './smoke-api';

const TAB = 'smoke-tab';
const CONNECTION = 'smoke-connection';
const QUERY_DEFAULTS = { method: 'GET', query: [], headers: [], bodyType: 'json', outputProperty: 'payload' };

const httpIn = (id: string, url: string, next: string) => ({
  id,
  type: 'http in',
  z: TAB,
  url,
  method: 'get',
  upload: false,
  swaggerDoc: '',
  wires: [[next]],
});

/** Sets payload with a JSONata expression and drops the upstream API's status and headers from the answer. */
const answer = (id: string, expression: string, next: string) => ({
  id,
  type: 'change',
  z: TAB,
  rules: [
    { t: 'set', p: 'payload', pt: 'msg', to: expression, tot: 'jsonata' },
    { t: 'delete', p: 'statusCode', pt: 'msg' },
    { t: 'delete', p: 'headers', pt: 'msg' },
  ],
  wires: [[next]],
});

const scalar = (id: string, settings: { path: string; valuePath: string; valueType: string }, next?: string) => ({
  id,
  type: 'execute-rest-scalar',
  z: TAB,
  connection: CONNECTION,
  ...QUERY_DEFAULTS,
  ...settings,
  missing: 'error',
  wires: [next ? [next] : []],
});

const httpResponse = (id: string) => ({ id, type: 'http response', z: TAB, statusCode: '', headers: {}, wires: [] });

export const ENDPOINTS = { users: '/smoke/users', total: '/smoke/total', missing: '/smoke/missing' };

export function smokeFlow(apiUrl: string): object[] {
  return [
    { id: TAB, type: 'tab', label: 'smoke' },
    {
      id: CONNECTION,
      type: 'rest-connection',
      name: 'smoke API',
      baseUrl: `${apiUrl}/v1`,
      authType: 'basic',
      credentials: { ...API_USER },
    },

    httpIn('users-in', ENDPOINTS.users, 'users-grid'),
    {
      id: 'users-grid',
      type: 'execute-rest-grid',
      z: TAB,
      connection: CONNECTION,
      ...QUERY_DEFAULTS,
      path: '/users',
      rowsPath: '$.data',
      columns: gridColumns({ id: '$.id', name: '$.name' }),
      format: 'objects',
      split: true,
      paging: 'none',
      wires: [['users-join']],
    },
    {
      id: 'users-join',
      type: 'join',
      z: TAB,
      mode: 'auto',
      build: 'array',
      property: 'payload',
      propertyType: 'msg',
      key: 'topic',
      joiner: '\\n',
      joinerType: 'str',
      accumulate: false,
      timeout: '',
      count: '',
      wires: [['users-answer']],
    },
    answer('users-answer', '{"rows": payload}', 'users-out'),
    httpResponse('users-out'),

    httpIn('total-in', ENDPOINTS.total, 'total-scalar'),
    scalar('total-scalar', { path: '/stats', valuePath: '$.total', valueType: 'number' }, 'total-answer'),
    answer('total-answer', '{"value": payload, "type": $type(payload)}', 'total-out'),
    httpResponse('total-out'),

    httpIn('missing-in', ENDPOINTS.missing, 'missing-scalar'),
    // Nothing is wired after it: the error goes to the catch node.
    scalar('missing-scalar', { path: '/missing', valuePath: '$', valueType: 'auto' }),
    {
      id: 'missing-catch',
      type: 'catch',
      z: TAB,
      scope: ['missing-scalar'],
      uncaught: false,
      wires: [['missing-answer']],
    },
    answer(
      'missing-answer',
      '{"code": error.code, "statusCode": statusCode, "source": error.source.type}',
      'missing-out',
    ),
    httpResponse('missing-out'),
  ];
}
