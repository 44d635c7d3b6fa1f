/**
 * OpenID Connect discovery: the provider's `.well-known/openid-configuration` names its
 * token, authorization and revocation endpoints, so a user only needs to type one URL.
 */
import http from 'node:http';
import https from 'node:https';
import { RestError, isRestError } from '../errors';
import type { AgentPair } from '../transport';

const MAX_DISCOVERY_BYTES = 1024 * 1024;
const WELL_KNOWN = '/.well-known/openid-configuration';

export interface DiscoveredEndpoints {
  issuer?: string;
  token_endpoint?: string;
  authorization_endpoint?: string;
  revocation_endpoint?: string;
  /** RFC 8628 §4. */
  device_authorization_endpoint?: string;
}

/** Accepts the document's URL or the issuer's (the well-known suffix is then added). */
export function discoveryDocumentUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new RestError('ERR_CONFIG', `The discovery URL "${input}" is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RestError('ERR_CONFIG', 'The discovery URL must start with http:// or https://.');
  }
  if (!url.pathname.includes('/.well-known/')) url.pathname = url.pathname.replace(/\/$/, '') + WELL_KNOWN;
  return url;
}

export interface DiscoveryOptions {
  agentsFor: (url: URL) => AgentPair;
  timeout: number;
  classifyError?: (err: unknown) => unknown;
}

export async function discoverEndpoints(input: string, options: DiscoveryOptions): Promise<DiscoveredEndpoints> {
  const url = discoveryDocumentUrl(input);
  const where = `${url.origin}${url.pathname}`;
  let status: number;
  let body: string;
  let headers: Record<string, string | string[] | undefined>;
  try {
    ({ status, body, headers } = await getText(url, options));
  } catch (err) {
    if (isRestError(err)) throw err;
    const classified = options.classifyError?.(err);
    if (isRestError(classified)) throw classified;
    const code = (err as { code?: string }).code ?? (err as Error).message;
    throw new RestError('ERR_NETWORK', `Cannot read the discovery document ${where} (${code}).`, { cause: err });
  }
  if (status !== 200) {
    // The discovery document's headers, not the API's (the request carried no credentials).
    throw new RestError('ERR_CONFIG', `The discovery document ${where} answered HTTP ${status}.`, {
      statusCode: status,
      headers: { ...headers },
    });
  }
  let document: Record<string, unknown>;
  try {
    // A byte order mark is allowed before JSON (RFC 8259 §8.1).
    document = JSON.parse(body.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch {
    throw new RestError('ERR_NOT_JSON', `The discovery document ${where} is not JSON.`);
  }
  const pick = (name: string) => (typeof document?.[name] === 'string' ? document[name] : undefined);
  const endpoints: DiscoveredEndpoints = {
    issuer: pick('issuer'),
    token_endpoint: pick('token_endpoint'),
    authorization_endpoint: pick('authorization_endpoint'),
    revocation_endpoint: pick('revocation_endpoint'),
    device_authorization_endpoint: pick('device_authorization_endpoint'),
  };
  if (!endpoints.token_endpoint) {
    throw new RestError('ERR_CONFIG', `The discovery document ${where} names no token_endpoint.`);
  }
  return endpoints;
}

function getText(
  url: URL,
  options: DiscoveryOptions,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const agents = options.agentsFor(url);
  const get = url.protocol === 'https:' ? https.get : http.get;
  const agent = url.protocol === 'https:' ? agents.https : agents.http;
  return new Promise((resolve, reject) => {
    const request = get(url, { agent, headers: { accept: 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_DISCOVERY_BYTES) {
          request.destroy(new RestError('ERR_RESPONSE_TOO_LARGE', 'The discovery document is larger than 1 MB.'));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: response.headers,
        }),
      );
      response.on('error', reject);
    });
    request.setTimeout(options.timeout, () =>
      request.destroy(
        new RestError('ERR_TIMEOUT', `The discovery document did not arrive within ${options.timeout} ms.`),
      ),
    );
    request.on('error', reject);
  });
}
