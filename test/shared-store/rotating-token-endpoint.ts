/**
 * A loopback OAuth2 token endpoint that rotates refresh tokens and, as real providers with
 * reuse detection do, revokes the whole family when a used refresh token comes back. It counts
 * its calls and remembers whether a reuse was seen; an API checks the access tokens it issued
 * with `accessTokenValid` (until they expire, or the family is revoked).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StoredTokens } from '../../lib/oauth2/token-store';

export interface RotatingTokenEndpoint {
  url: string;
  calls: number;
  reuses: number;
  /** Whether an API should accept this access token: issued here, not expired (give or take `leewayMs`), family not revoked. */
  accessTokenValid(accessToken: string, leewayMs?: number): boolean;
  /** Starts a new family and returns its first refresh token. */
  issue(): string;
  /** Refreshes `current` the way a TokenManager would (one token request); for `work` of a refresh. */
  refresh(current: StoredTokens | undefined): Promise<StoredTokens>;
  close(): Promise<void>;
}

export async function startRotatingTokenEndpoint(
  options: { delayMs?: number; expiresInSeconds?: number } = {},
): Promise<RotatingTokenEndpoint> {
  const { delayMs = 100, expiresInSeconds = 60 } = options;
  const valid = new Set<string>();
  const used = new Set<string>();
  const accessExpiry = new Map<string, number>();
  const endpoint = { calls: 0, reuses: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      endpoint.calls++;
      const refreshToken = new URLSearchParams(body).get('refresh_token') ?? '';
      const answer = (status: number, json: object) =>
        setTimeout(
          () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json)),
          delayMs,
        );
      if (used.has(refreshToken)) {
        endpoint.reuses++;
        valid.clear();
        accessExpiry.clear();
        return answer(400, { error: 'invalid_grant', error_description: 'refresh token reused: grant revoked' });
      }
      if (!valid.delete(refreshToken)) return answer(400, { error: 'invalid_grant' });
      used.add(refreshToken);
      const next = token('rt');
      valid.add(next);
      const access = token('at');
      accessExpiry.set(access, Date.now() + expiresInSeconds * 1000);
      answer(200, { access_token: access, refresh_token: next, expires_in: expiresInSeconds });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  const agent = new http.Agent({ keepAlive: false });
  return {
    url,
    get calls() {
      return endpoint.calls;
    },
    get reuses() {
      return endpoint.reuses;
    },
    accessTokenValid(accessToken, leewayMs = 0) {
      const expiry = accessExpiry.get(accessToken);
      return expiry !== undefined && expiry + leewayMs > Date.now();
    },
    issue() {
      const first = token('rt');
      valid.add(first);
      return first;
    },
    async refresh(current) {
      if (!current?.refreshToken) throw new Error('no refresh token to refresh with');
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: current.refreshToken }).toString();
      const answer = await new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
        const request = http.request(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
            );
          },
        );
        request.on('error', reject);
        request.end(form);
      });
      if (answer.status !== 200) throw new Error(`token endpoint: ${String(answer.json.error)}`);
      const now = Date.now();
      return {
        accessToken: String(answer.json.access_token),
        refreshToken: String(answer.json.refresh_token),
        expiresAt: now + Number(answer.json.expires_in) * 1000,
        obtainedAt: now,
        configurationHash: current.configurationHash,
        savedAt: now,
      };
    },
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function token(kind: string): string {
  return `${kind}-${crypto.randomBytes(18).toString('base64url')}`;
}
