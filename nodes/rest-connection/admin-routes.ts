/**
 * The admin HTTP routes the rest-connection editor calls: Test (a deployed connection), and the OAuth2
 * helpers Discover, Authorize (with its callback), Log in on another device and Revoke; and the
 * JSONPath check the three editors call (json-path-check-route.ts).
 */
import http from 'node:http';
import https from 'node:https';
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { OAuth2Auth } from '../../lib/auth/oauth2';
import { RestError, isRestError } from '../../lib/errors';
import { createCodeVerifier, createState, PendingAuthorizations } from '../../lib/oauth2/authorization-requests';
import { discoverEndpoints } from '../../lib/oauth2/discovery';
import { needsAnyPermission } from './admin-permission';
import { runConnectionTest } from './connection-test';
import { registerJsonPathCheckRoute } from './json-path-check-route';
import type { RestConnectionNode } from '../shared/connection-node';
import { translator } from '../shared/translate';

const DISCOVERY_TIMEOUT_MS = 15000;

/** Logins started from the editor and not finished yet, keyed by their state. */
const pendingLogins = new PendingAuthorizations();

export function registerAdminRoutes(RED: NodeAPI): void {
  const admin = RED.httpAdmin;
  const canWrite = needsAnyPermission(RED);
  const _ = translator(RED, 'rest-connection');
  registerJsonPathCheckRoute(RED, canWrite);

  admin.get('/rest-connection/discover', canWrite, (req: Request, res: Response) => {
    const url = typeof req.query.url === 'string' ? req.query.url : '';
    if (!url) return sendError(res, 400, new RestError('ERR_CONFIG', 'Give the discovery URL as ?url=…'));
    discoverEndpoints(url, {
      agentsFor: () => ({ http: http.globalAgent, https: https.globalAgent }),
      timeout: DISCOVERY_TIMEOUT_MS,
    })
      .then((found) =>
        res.json({
          token_endpoint: found.token_endpoint ?? '',
          authorization_endpoint: found.authorization_endpoint ?? '',
          revocation_endpoint: found.revocation_endpoint ?? '',
          issuer: found.issuer ?? '',
        }),
      )
      .catch((err) => sendError(res, 502, err));
  });

  // Opened by the editor in a new window. `?format=json` answers {url, redirectUri} instead of redirecting (the editor shows redirectUri as the one to register),
  // for an editor that calls it with its admin token and then opens the URL itself.
  admin.get('/rest-connection/:id/authorize', canWrite, async (req: Request, res: Response) => {
    try {
      const auth = await oauth2Of(RED, idOf(req));
      const redirectUri = callbackUrl(RED, req);
      const codeVerifier = auth.usesPkce ? createCodeVerifier() : undefined;
      const state = createState();
      const url = await auth.startAuthorization(redirectUri, state, codeVerifier);
      // Only a login that could start is remembered.
      pendingLogins.add({ connectionId: idOf(req), redirectUri, codeVerifier }, state);
      if (req.query.format === 'json') return res.json({ url, redirectUri });
      res.redirect(302, url);
    } catch (err) {
      sendError(res, 400, err);
    }
  });

  // The provider sends the user's browser here, which cannot carry the editor's admin token:
  // this route is deliberately NOT behind needsPermission. It is protected by `state` instead:
  // 32 random bytes issued by the authorize route above (which is behind admin auth), valid
  // once and for 10 minutes; a request without a pending state changes nothing.
  admin.get('/rest-connection/callback', async (req: Request, res: Response) => {
    const query = req.query as Record<string, unknown>;
    const login = pendingLogins.take(typeof query.state === 'string' ? query.state : undefined);
    if (!login) {
      return sendPage(
        res,
        400,
        _('rest-connection.message.callback.unknownTitle'),
        _('rest-connection.message.callback.unknown'),
      );
    }
    if (typeof query.error === 'string') {
      const text =
        typeof query.error_description === 'string'
          ? _('rest-connection.message.callback.refusedWithDescription', {
              error: query.error,
              description: query.error_description,
            })
          : _('rest-connection.message.callback.refused', { error: query.error });
      return sendPage(res, 400, _('rest-connection.message.callback.refusedTitle'), text);
    }
    if (typeof query.code !== 'string' || !query.code) {
      return sendPage(
        res,
        400,
        _('rest-connection.message.callback.failedTitle'),
        _('rest-connection.message.callback.noCode'),
      );
    }
    try {
      const auth = await oauth2Of(RED, login.connectionId);
      await auth.completeAuthorization(query.code, login.redirectUri, login.codeVerifier);
      sendPage(
        res,
        200,
        _('rest-connection.message.callback.authorizedTitle'),
        _('rest-connection.message.callback.authorized'),
      );
    } catch (err) {
      sendPage(res, 502, _('rest-connection.message.callback.failedTitle'), safeError(err).message);
    }
  });

  // RFC 8628: answers {userCode, verificationUri, verificationUriComplete, expiresIn}; the runtime
  // then polls the token endpoint and stores the tokens as after an authorization code login.
  admin.post('/rest-connection/:id/device', canWrite, async (req: Request, res: Response) => {
    try {
      const auth = await oauth2Of(RED, idOf(req));
      res.json(await auth.startDeviceLogin());
    } catch (err) {
      sendError(res, isRestError(err) && err.code === 'ERR_CONFIG' ? 400 : 502, err);
    }
  });

  // The editor follows the login: {state: pending|authorized|denied|expired|failed, intervalS, message?}.
  admin.get('/rest-connection/:id/device', canWrite, async (req: Request, res: Response) => {
    try {
      const auth = await oauth2Of(RED, idOf(req));
      const status = auth.deviceLoginStatus();
      if (!status) return sendError(res, 404, new RestError('ERR_CONFIG', 'No device login was started.'));
      res.json(status);
    } catch (err) {
      sendError(res, 400, err);
    }
  });

  admin.post('/rest-connection/:id/revoke', canWrite, async (req: Request, res: Response) => {
    try {
      const auth = await oauth2Of(RED, idOf(req));
      const { revoked } = await auth.revoke();
      res.json({ ok: true, revoked });
    } catch (err) {
      sendError(res, 502, err);
    }
  });

  // The deployed connection as it runs; `path` (else its testPath) is requested with authentication.
  admin.post('/rest-connection/:id/test', canWrite, async (req: Request, res: Response) => {
    const node = RED.nodes.getNode(idOf(req)) as RestConnectionNode | null;
    if (!node?.getClient) return sendError(res, 404, notDeployed());
    const body = (req.body ?? {}) as { path?: unknown };
    try {
      const client = await node.getClient();
      res.json(await runConnectionTest(client, typeof body.path === 'string' ? body.path : node.props.testPath));
    } catch (err) {
      const { code, message } = safeError(err);
      res.json({ ok: false, timeMs: 0, code, message, error: { code, message } });
    }
  });
}

/**
 * `<scheme>://<host><httpAdminRoot>rest-connection/callback`, as the browser reaches the editor.
 * Behind a reverse proxy, X-Forwarded-Proto/-Host give the outside scheme and host.
 */
export function callbackUrl(RED: NodeAPI, req: Request): string {
  const first = (value: unknown) => {
    const [head = ''] = typeof value === 'string' ? value.split(',') : [];
    return head.trim();
  };
  const scheme = first(req.headers['x-forwarded-proto']) || req.protocol;
  const host = first(req.headers['x-forwarded-host']) || req.get('host') || 'localhost';
  const configured = (RED.settings as unknown as { httpAdminRoot?: unknown }).httpAdminRoot;
  const root = typeof configured === 'string' && configured ? configured : '/';
  const adminRoot = `/${root.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
  return `${scheme}://${host}${adminRoot}rest-connection/callback`;
}

async function oauth2Of(RED: NodeAPI, id: string): Promise<OAuth2Auth> {
  const node = RED.nodes.getNode(id) as RestConnectionNode | null;
  if (!node?.getClient) throw notDeployed();
  const client = await node.getClient();
  if (!(client.auth instanceof OAuth2Auth)) {
    throw new RestError(
      'ERR_CONFIG',
      'This connection does not use OAuth2 (authType oauth2). Deploy it with OAuth2 first.',
    );
  }
  return client.auth;
}

function idOf(req: Request): string {
  return String(req.params.id);
}

function notDeployed(): RestError {
  return new RestError('ERR_CONFIG', 'This connection is not deployed yet: deploy it, then try again.');
}

/** Errors from lib/ are already redacted; anything else is reduced to a generic message. */
function safeError(err: unknown): { code: string; message: string; statusCode?: number } {
  if (isRestError(err)) return { code: err.code, message: err.message, statusCode: err.statusCode };
  return { code: 'ERR_CONFIG', message: 'The request failed; see the Node-RED log.' };
}

function sendError(res: Response, status: number, err: unknown): void {
  const error = safeError(err);
  res.status(status).json({ error: { code: error.code, message: error.message } });
}

function sendPage(res: Response, status: number, title: string, text: string): void {
  const escape = (value: string) =>
    value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .send(
      `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
        `<body style="font-family:sans-serif;margin:3em"><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`,
    );
}
