/**
 * Secrets stay out of what a user sees even when they travel encoded (query strings, basic
 * auth) or come back from the server (echoing bodies, Link headers), and redaction never
 * changes where a request goes.
 */
import assert from 'node:assert/strict';
import { failureOf, flowWith, load, outputOf, useNodeRed, type Caught, type Msg } from '../support/node-red';
import { startApi, json, type LoopbackServer } from '../support/loopback-server';

describe('nodes: redaction in flows', function () {
  let api: LoopbackServer;
  useNodeRed();
  before(async () => {
    api = await startApi({
      'GET /ok': (_req, res, record) =>
        json(res, 200, [{ ok: true }], {
          link: `</items?apikey=${encodeURIComponent(record.query.apikey ?? '')}&page=2>; rel="next"`,
          'www-authenticate': `Bearer realm="x", token="${(record.headers.authorization || '').replace('Bearer ', '')}"`,
        }),
      'GET /missing': (_req, res) => json(res, 404, { error: 'no' }),
      'GET /echo-headers': (_req, res, record) => json(res, 400, { youSent: record.headers }),
      'GET /test1/items': (_req, res, record) => {
        const page = Number(record.query.page || 1);
        json(res, 200, { items: [{ page }], next: page < 2 ? `items?page=${page + 1}` : null });
      },
    });
  });
  after(() => api.close());

  interface Run {
    connection: object;
    credentials: object;
    node: object;
  }

  function loadFlow({ connection, credentials, node }: Run): Promise<void> {
    return load(
      flowWith({ connection: { baseUrl: api.url, retries: 0, ...connection }, node: { method: 'GET', ...node } }),
      { restConn: credentials },
    );
  }

  /** The message the node sends with these settings. */
  async function output(settings: Run): Promise<Msg> {
    await loadFlow(settings);
    return outputOf({ payload: 1 });
  }

  /** The error the catch node reports with these settings. */
  async function failure(settings: Run): Promise<Caught> {
    await loadFlow(settings);
    return failureOf({ payload: 1 });
  }

  const apiKey = 'Q8abc~Secret!Value_123';

  it('an API key in the query never shows in msg.responseUrl or msg.headers, whatever its characters', async () => {
    const msg = await output({
      connection: { authType: 'apiKey', apiKeyIn: 'query', apiKeyName: 'apikey' },
      credentials: { apiKey },
      node: { path: '/ok' },
    });
    assert.equal(api.requests.at(-1)?.query.apikey, apiKey, 'the real key was sent');
    const shown = JSON.stringify(msg);
    assert.doesNotMatch(shown, /Secret|Q8abc/);
    assert.match(msg.responseUrl ?? '', /apikey=\*\*\*/);
    assert.match(String(msg.headers?.link), /\*\*\*/);
  });

  it('a bearer token echoed in a response header is masked on the message', async () => {
    const msg = await output({
      connection: { authType: 'bearer' },
      credentials: { token: 'tok-echo-123' },
      node: { path: '/ok' },
    });
    assert.doesNotMatch(JSON.stringify(msg), /tok-echo-123/);
    assert.match(String(msg.headers?.['www-authenticate']), /\*\*\*/);
  });

  it('an API key never shows in an error message or the caught message', async () => {
    const caught = await failure({
      connection: { authType: 'apiKey', apiKeyIn: 'query', apiKeyName: 'apikey' },
      credentials: { apiKey },
      node: { path: '/missing' },
    });
    assert.equal(caught.error.code, 'ERR_HTTP_STATUS');
    assert.doesNotMatch(JSON.stringify(caught), /Secret|Q8abc/);
  });

  it('basic credentials echoed back base64-encoded are masked in msg.responseBody', async () => {
    const caught = await failure({
      connection: { authType: 'basic' },
      credentials: { username: 'alice', password: 'S3cret-pass' },
      node: { path: '/echo-headers' },
    });
    const encoded = Buffer.from('alice:S3cret-pass').toString('base64');
    assert.equal(api.requests.at(-1)?.headers.authorization, `Basic ${encoded}`);
    assert.doesNotMatch(JSON.stringify(caught), new RegExp(encoded));
    assert.match(caught.responseBody ?? '', /Basic \*\*\*/);
  });

  it('a password that also appears in the URL does not change where paging goes', async () => {
    const msg = await output({
      connection: { baseUrl: `${api.url}/test1`, authType: 'basic' },
      credentials: { username: 'u', password: 'test1' },
      node: { path: '/items', rowsPath: '$.items', paging: 'nextUrl', nextPath: '$.next' },
    });
    assert.deepEqual(msg.payload, [{ page: 1 }, { page: 2 }]);
    assert.equal(api.requests.at(-1)?.path, '/test1/items');
  });
});
