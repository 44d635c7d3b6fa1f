/**
 * Test connection, for the deployed connection (`POST /rest-connection/:id/test`) and for an edit
 * dialog's unsaved settings (`POST /rest-connection/test`): a token where the auth type needs
 * one, then a GET of `testPath` with authentication. A 401 or 403 is a failed test that says
 * the credentials were refused; the answer holds no secret.
 */
import { STATUS_CODES } from 'node:http';
import { OAuth2Auth } from '../../lib/auth/oauth2';
import { isRestError } from '../../lib/errors';
import type { RestClient } from '../../lib/http/rest-client';

export interface TokenDetails {
  /** ISO 8601; absent when the server gave no lifetime ("valid until a 401"). */
  expiresAt?: string;
  /** Seconds left, rounded down. */
  expiresIn?: number;
  scopes: string[];
}

export type TestAnswer =
  | { ok: true; statusCode: number; timeMs: number; token?: TokenDetails }
  | {
      ok: false;
      statusCode?: number;
      timeMs: number;
      code: string;
      message: string;
      /** The same code and message, as the editor read them before the contract named them (kept for older editors). */
      error: { code: string; message: string };
    };

export async function runConnectionTest(client: RestClient, path: string): Promise<TestAnswer> {
  const started = performance.now();
  const timeMs = () => Math.round(performance.now() - started);
  try {
    let token: TokenDetails | undefined;
    if (client.auth instanceof OAuth2Auth) {
      await client.auth.ensureToken();
      token = tokenDetails(await client.auth.tokenInfo());
    }
    const response = await client.request({ method: 'GET', path });
    return { ok: true, statusCode: response.statusCode, timeMs: timeMs(), ...(token ? { token } : {}) };
  } catch (err) {
    const { code, message, statusCode } = failure(err, client.redactor.redact(path));
    return {
      ok: false,
      ...(statusCode ? { statusCode } : {}),
      timeMs: timeMs(),
      code,
      message,
      error: { code, message },
    };
  }
}

function tokenDetails(info: { expiresAt?: number; scopes: string[] }): TokenDetails {
  if (info.expiresAt === undefined) return { scopes: info.scopes };
  return {
    expiresAt: new Date(info.expiresAt).toISOString(),
    expiresIn: Math.max(0, Math.floor((info.expiresAt - Date.now()) / 1000)),
    scopes: info.scopes,
  };
}

/** Errors from lib/ are already redacted; anything else is reduced to a generic message. */
function failure(err: unknown, path: string): { code: string; message: string; statusCode?: number } {
  if (!isRestError(err)) return { code: 'ERR_CONFIG', message: 'The test failed; see the Node-RED log.' };
  const { statusCode } = err;
  if (err.code === 'ERR_HTTP_STATUS' && (statusCode === 401 || statusCode === 403)) {
    const where = path ? `the test path ${path}` : 'the base URL';
    return {
      code: 'ERR_AUTH',
      statusCode,
      message:
        `The API refused the credentials: HTTP ${statusCode} ${STATUS_CODES[statusCode] ?? ''} for ${where}. ` +
        'Check the authentication settings and secrets.',
    };
  }
  return { code: err.code, message: err.message, statusCode };
}
