/**
 * Shared by the transport tests: settings from the documented defaults (also through a proxy), a GET
 * through a Transport, and the check that a proxy refused the credentials.
 */
import assert from 'node:assert/strict';
import { connectionDefaults } from '../../lib/definitions';
import { RestError } from '../../lib/errors';
import type { Transport } from '../../lib/transport';
import type { TransportSettings } from '../../lib/transport/settings';
import { loadGot } from '../../lib/http/load-got';
import { assertNoSecret } from '../support/secret-scan';

/** The connection defaults (with a short timeout for tests), `overrides` on top. */
export function transportSettings(overrides: Partial<TransportSettings> = {}): TransportSettings {
  return { ...connectionDefaults, timeout: 5000, ...overrides };
}

export interface Answer {
  statusCode: number;
  body: { method?: string; url?: string; clientCertificate?: string; [key: string]: unknown };
}

/** GET `url` with got through the transport; a failure comes back classified (or as is). */
export async function get(transport: Transport, url: string): Promise<Answer> {
  const { got } = await loadGot();
  try {
    const response = await got(url, {
      agent: transport.agentsFor(new URL(url)),
      retry: { limit: 0 },
      timeout: { request: 5000 },
    });
    return { statusCode: response.statusCode, body: JSON.parse(response.body) as Answer['body'] };
  } catch (err) {
    throw transport.classifyError(err) || err;
  }
}

export const PROXY_USER = 'alice';
export const PROXY_PASSWORD = 'pr0xy-s3cret-pa55';

/**
 * Through the proxy at `proxyUrl` as PROXY_USER, credentials sent with the first request
 * (proxyAuthScheme basic: the proxy logs then show every request authorized; auto is tested
 * against Squid), the test CA trusted; `overrides` on top.
 */
export function proxiedSettings(
  proxyUrl: string,
  caCert: string,
  overrides: Partial<TransportSettings> = {},
): TransportSettings {
  return transportSettings({
    useProxy: true,
    proxyAuthScheme: 'basic',
    proxyUrl,
    proxyUsername: PROXY_USER,
    proxyPassword: PROXY_PASSWORD,
    caCert,
    ...overrides,
  });
}

/** `request` fails with ERR_PROXY 407 saying the proxy refused the credentials, and shows none of `secrets`. */
export async function assertCredentialsRefused(request: Promise<unknown>, secrets: string[]): Promise<void> {
  await assert.rejects(request, (err: unknown) => {
    assert.ok(err instanceof RestError, String(err));
    assert.equal(err.code, 'ERR_PROXY');
    assert.equal(err.statusCode, 407);
    assert.match(err.message, /proxy .* refused the credentials/);
    assertNoSecret(err, secrets);
    return true;
  });
}
