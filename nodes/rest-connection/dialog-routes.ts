/**
 * The admin routes of the edit dialogs, usable before deploy (same permission as the other
 * admin routes): `POST /rest-connection/test` tries the connection dialog's unsaved settings,
 * `POST /rest-connection/preview` runs a grid or scalar dialog's request. A body that is not
 * what they expect is answered 400 with a code; every client they create is closed.
 */
import type { NextFunction, Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { isRestError, type RestError } from '../../lib/errors';
import type { Message } from '../shared/message';
import { needsAnyPermission } from './admin-permission';
import { runConnectionTest } from './connection-test';
import {
  DialogInputError,
  dialogClient,
  plainObject,
  readDialogConnection,
  type DialogClient,
} from './dialog-connection';
import { runPreview, type PreviewNodeType } from './dialog-preview';

const PREVIEW_TYPES: PreviewNodeType[] = ['execute-rest-grid', 'execute-rest-scalar'];

export function registerDialogRoutes(RED: NodeAPI): void {
  const admin = RED.httpAdmin;
  const canWrite = needsAnyPermission(RED);

  // Body: {id?, config, credentials}. Answer: {ok: true, statusCode, timeMs, token?} or {ok: false, statusCode?, code, message, timeMs}.
  admin.post('/rest-connection/test', canWrite, (req: Request, res: Response) => {
    answer(res, async () => {
      const body = requestBody(req);
      const dialog = readDialogConnection(body, 'the body');
      if (!dialog.config) throw new DialogInputError('Give the dialog\'s settings as "config".');
      return withClient(
        RED,
        dialog,
        ({ client, props }) => runConnectionTest(client, props.testPath),
        ({ code, message }) => ({ ok: false, timeMs: 0, code, message, error: { code, message } }),
      );
    });
  });

  // Body: {node, connection: {id?, config?, credentials?}, msg?}. Answer: {statusCode, headers, body, rows?, value?, error?, ...}.
  admin.post('/rest-connection/preview', canWrite, (req: Request, res: Response) => {
    answer(res, async () => {
      const body = requestBody(req);
      const node = plainObject(body.node, 'node');
      if (!node) throw new DialogInputError('Give the grid or scalar dialog\'s settings as "node".');
      const type = node.type as PreviewNodeType;
      if (!PREVIEW_TYPES.includes(type)) {
        throw new DialogInputError(
          `node.type must be ${PREVIEW_TYPES.join(' or ')}, not ${JSON.stringify(node.type)}.`,
        );
      }
      const msg = (plainObject(body.msg, 'msg') ?? {}) as Message;
      const connection = readDialogConnection(body.connection, 'connection');
      if (!connection.id && !connection.config) throw new DialogInputError("Choose the node's connection first.");
      return withClient(
        RED,
        connection,
        ({ client }) => runPreview(RED, client, type, node, msg),
        ({ code, message }) => ({ error: { code, message } }),
      );
    });
  });

  // A body that is not JSON never reaches the routes: Node-RED's body parser hands its error on.
  admin.use('/rest-connection', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const parseError = err as { type?: unknown; status?: unknown };
    if (parseError?.type !== 'entity.parse.failed' && parseError?.status !== 400) return next(err);
    res.status(400).json({ error: { code: 'ERR_CONFIG', message: 'The request body is not valid JSON.' } });
  });
}

function requestBody(req: Request): Record<string, unknown> {
  const body = plainObject(req.body as unknown, 'the body');
  if (!body) throw new DialogInputError('The request has no JSON body.');
  return body;
}

/**
 * Runs `use` with the dialog's client and releases it after. Settings that cannot make a client
 * (a bad base URL, OAuth2 without a token URL) are a failed test, not a bad request.
 */
async function withClient<T, F>(
  RED: NodeAPI,
  dialog: Parameters<typeof dialogClient>[1],
  use: (lease: DialogClient) => Promise<T>,
  unusable: (error: RestError) => F,
): Promise<T | F> {
  let lease: DialogClient;
  try {
    lease = await dialogClient(RED, dialog);
  } catch (err) {
    if (!isRestError(err)) throw err;
    return unusable(err);
  }
  try {
    return await use(lease);
  } finally {
    await lease.release().catch(() => undefined);
  }
}

function answer(res: Response, run: () => Promise<unknown>): void {
  run().then(
    (result) => res.json(result),
    (err: unknown) => {
      if (err instanceof DialogInputError) {
        res.status(400).json({ error: { code: err.code, message: err.message } });
        return;
      }
      const message = isRestError(err) ? err.message : 'The request failed; see the Node-RED log.';
      res.status(500).json({ error: { code: isRestError(err) ? err.code : 'ERR_CONFIG', message } });
    },
  );
}
