/**
 * Builds the request of one message: the node's settings, typed inputs evaluated against the
 * message, and the documented `msg` overrides (method, path, query, headers, payload).
 */
import type { Node, NodeAPI } from 'node-red';
import type { RequestSpec } from '../../lib/http/rest-client';
import { RestError } from '../../lib/errors';
import type { HttpMethod, QueryNodeProperties, TypedNameValue } from '../../lib/types';
import { expandPlaceholders } from '../../lib/http/expand-placeholders';
import type { Message } from './message';
import { textOf } from '../../lib/text-of';
import { translator, type Translate } from './translate';

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];
/** Headers that describe a previous response or connection; never forwarded from msg.headers. */
const NON_FORWARDED_HEADERS = new Set([
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'host',
  'upgrade',
]);

export async function requestFromMessage(
  RED: NodeAPI,
  node: Node,
  props: QueryNodeProperties,
  msg: Message,
  _: Translate = translator(RED, node.type),
): Promise<RequestSpec> {
  const method = resolveMethod(props.method, msg.method, _);
  const pathTemplate = msg.path !== undefined ? requireString(msg.path, 'msg.path', _) : props.path;
  const path = expandPlaceholders(pathTemplate, (expression) => messageProperty(RED, msg, expression));
  const query = {
    ...(await evaluateList(RED, node, props.query, msg, _('query-node.message.queryParameter'), _)),
    ...plainObject(msg.query, 'msg.query', _),
  };
  const headers: Record<string, string> = {};
  const headerSources = [
    await evaluateList(RED, node, props.headers, msg, _('query-node.message.header'), _),
    withoutHopHeaders(plainObject(msg.headers, 'msg.headers', _)),
  ];
  for (const source of headerSources) {
    for (const [name, value] of Object.entries(source)) {
      if (value !== undefined && value !== null) headers[name.toLowerCase()] = textOf(value);
    }
  }
  return {
    method,
    path,
    query: query as RequestSpec['query'],
    headers,
    body: { type: props.bodyType, payload: msg.payload },
  };
}

/** A msg property, or undefined when it (or a property on the way to it) is missing. */
function messageProperty(RED: NodeAPI, msg: Message, expression: string): unknown {
  try {
    return RED.util.getMessageProperty(msg, expression);
  } catch {
    return undefined;
  }
}

function resolveMethod(configured: QueryNodeProperties['method'], fromMessage: unknown, _: Translate): HttpMethod {
  if (fromMessage !== undefined && fromMessage !== null && fromMessage !== '') {
    const method = textOf(fromMessage).toUpperCase() as HttpMethod;
    if (!METHODS.includes(method)) {
      throw new RestError(
        'ERR_CONFIG',
        _('query-node.message.methodNotAllowed', { method: textOf(fromMessage), methods: METHODS.join(', ') }),
      );
    }
    return method;
  }
  if (configured === 'use') {
    throw new RestError('ERR_CONFIG', _('query-node.message.methodMissing'));
  }
  if (!METHODS.includes(configured)) {
    throw new RestError('ERR_CONFIG', _('query-node.message.methodUnknown', { method: String(configured) }));
  }
  return configured;
}

function requireString(value: unknown, what: string, _: Translate): string {
  if (typeof value !== 'string') {
    throw new RestError('ERR_CONFIG', _('query-node.message.notAString', { what, type: typeof value }));
  }
  return value;
}

function plainObject(value: unknown, what: string, _: Translate): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    const type = Array.isArray(value) ? _('query-node.message.anArray') : typeof value;
    throw new RestError('ERR_CONFIG', _('query-node.message.notAnObject', { what, type }));
  }
  return value as Record<string, unknown>;
}

function withoutHopHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!NON_FORWARDED_HEADERS.has(name.toLowerCase()) && typeof value !== 'object') kept[name] = value;
  }
  return kept;
}

async function evaluateList(
  RED: NodeAPI,
  node: Node,
  list: TypedNameValue[],
  msg: Message,
  what: string,
  _: Translate,
): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const item of list ?? []) {
    if (!item || !item.name) continue;
    result[item.name] = await evaluateTyped(RED, node, item, msg, what, _);
  }
  return result;
}

function evaluateTyped(
  RED: NodeAPI,
  node: Node,
  item: TypedNameValue,
  msg: Message,
  what: string,
  _: Translate,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) =>
      reject(
        new RestError(
          'ERR_CONFIG',
          _('query-node.message.notEvaluated', {
            what,
            name: item.name,
            message: (err as Error)?.message ?? String(err),
          }),
        ),
      );
    try {
      RED.util.evaluateNodeProperty(item.value, item.type || 'str', node, msg, (err: unknown, value: unknown) => {
        if (err) fail(err);
        else resolve(value);
      });
    } catch (err) {
      fail(err);
    }
  });
}
