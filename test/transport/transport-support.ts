/** Shared by the transport tests: settings from the documented defaults, and a GET through a Transport. */
import { connectionDefaults } from '../../lib/definitions';
import type { Transport } from '../../lib/transport';
import type { TransportSettings } from '../../lib/transport/settings';
import { loadGot } from '../../lib/http/load-got';

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
