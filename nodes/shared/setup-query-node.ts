/**
 * What execute-rest-grid and execute-rest-scalar share at runtime: finding the connection, one
 * input handler that reports through status, `send` and `done(err)` (so a catch node gets the
 * message), and how an error lands on the message.
 */
import type { Node, NodeAPI, NodeStatus } from 'node-red';
import type { RestClient, RequestSpec } from '../../lib/http/rest-client';
import { RestError, isRestError } from '../../lib/errors';
import { isStackOverflow, tooDeepError } from '../../lib/extract/too-deep';
import type { SecretRedactor } from '../../lib/redact';
import type { QueryNodeProperties } from '../../lib/types';
import type { RestConnectionNode } from './connection-node';
import type { Message } from './message';
import { requestFromMessage } from './request-from-message';
import { translator, type Translate } from './translate';

export interface QueryContext {
  client: RestClient;
  request: RequestSpec;
  msg: Message;
  send: (msg: Message | Message[]) => void;
}

/** Returns the status text of a success (e.g. "200 · 25 rows"). */
export type QueryHandler = (context: QueryContext) => Promise<string>;

export function setupQueryNode(RED: NodeAPI, node: Node, props: QueryNodeProperties, handle: QueryHandler): void {
  const connection = RED.nodes.getNode(props.connection) as RestConnectionNode | null;
  const _ = translator(RED, node.type);
  let inFlight = 0;
  /** Requests of the connection waiting for their turn (maxConcurrent / rateLimit). */
  let waiting = 0;
  let closed = false;
  const status = (value: NodeStatus) => node.status(value);
  const showWaiting = () =>
    status({ fill: 'blue', shape: 'ring', text: _('query-node.status.waiting', { count: waiting }) });

  if (!connection || typeof connection.getClient !== 'function') {
    status({ fill: 'red', shape: 'ring', text: _('query-node.status.noConnection') });
  } else {
    const unsubscribe = connection.onStateChange((state) => {
      const fill = state.level === 'ok' ? 'green' : state.level === 'warning' ? 'yellow' : 'red';
      status({ fill, shape: 'ring', text: state.text });
    });
    node.on('close', unsubscribe);
    // Surface a configuration error at deploy time, not at the first message.
    connection.getClient().then(
      (client) => {
        if (closed) return;
        // The connection's queue, shown by the nodes that have messages in it.
        const stop = client.limiter.onWaitingChange((count) => {
          waiting = count;
          if (inFlight === 0) return;
          if (waiting > 0) showWaiting();
          else status({ fill: 'blue', shape: 'dot', text: requestingText() });
        });
        node.on('close', stop);
      },
      (err: unknown) => {
        status({
          fill: 'red',
          shape: 'ring',
          text: isRestError(err) ? err.code : _('query-node.status.connectionError'),
        });
      },
    );
  }

  const outputError = checkOutputProperty(RED, props.outputProperty, _);
  if (outputError) showConfigError(node, outputError);

  node.on('input', (input, send, done) => {
    const msg = input as Message;
    if (!connection || typeof connection.getClient !== 'function') {
      done(new RestError('ERR_CONFIG', _('query-node.message.noConnection')));
      return;
    }
    if (outputError) {
      done(outputError);
      return;
    }
    inFlight++;
    if (waiting > 0) showWaiting();
    else status({ fill: 'blue', shape: 'dot', text: requestingText() });
    run(connection, msg, send as QueryContext['send'])
      .then((text) => {
        inFlight--;
        // While messages still wait, that is what the user needs to see, not one result.
        if (inFlight > 0 && waiting > 0) showWaiting();
        else status({ fill: 'green', shape: 'dot', text });
        done();
      })
      .catch((err: unknown) => {
        inFlight--;
        const error = asRestError(err, _);
        addErrorDetails(msg, error);
        status({
          fill: 'red',
          shape: 'ring',
          text: error.statusCode ? `${error.code} ${error.statusCode}` : error.code,
        });
        done(error);
      });
  });

  node.on('close', () => {
    closed = true;
    status({});
  });

  function requestingText(): string {
    return inFlight > 1
      ? _('query-node.status.requestingCount', { count: inFlight })
      : _('query-node.status.requesting');
  }

  async function run(connectionNode: RestConnectionNode, msg: Message, send: QueryContext['send']): Promise<string> {
    const client = await connectionNode.getClient();
    try {
      const request = await requestFromMessage(RED, node, props, msg, _);
      return await handle({ client, request, msg, send });
    } catch (err) {
      // Messages may quote a response or a msg value: one last pass keeps secrets out.
      throw redacted(err, client.redactor);
    }
  }
}

function checkOutputProperty(RED: NodeAPI, property: string, _: Translate): RestError | undefined {
  try {
    RED.util.normalisePropertyExpression(property || 'payload');
    return undefined;
  } catch {
    return new RestError('ERR_CONFIG', _('query-node.message.outputProperty', { property }));
  }
}

/** A setting that cannot work: a red ring now, and the reason in the log (the status has room for the code only). */
export function showConfigError(node: Node, err: RestError): void {
  node.status({ fill: 'red', shape: 'ring', text: err.code });
  node.warn(err.message);
}

function redacted(err: unknown, redactor: SecretRedactor): unknown {
  return isRestError(err) ? err.redact(redactor) : err;
}

/** What the user needs to handle a failure, on the caught message itself (Node-RED rebuilds msg.error). */
function addErrorDetails(msg: Message, error: RestError): void {
  if (error.page !== undefined) msg.page = error.page;
  if (error.statusCode !== undefined) msg.statusCode = error.statusCode;
  if (error.headers !== undefined) msg.headers = error.headers;
  if (error.responseBody !== undefined) msg.responseBody = error.responseBody;
  if (error.responseUrl !== undefined) msg.responseUrl = error.responseUrl;
}

function asRestError(err: unknown, _: Translate): RestError {
  if (isRestError(err)) return err;
  // Anything else that recursed through a response too deep for the stack is the data's fault.
  if (isStackOverflow(err)) return tooDeepError('The response', err);
  const message = err instanceof Error ? err.message : String(err);
  return new RestError('ERR_CONFIG', _('query-node.message.unexpectedFailure', { message }));
}
