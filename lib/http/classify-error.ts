/** Turns what got throws into a RestError with a stable code and a message a user can act on. */
import { RestError, isRestError } from '../errors';
import type { SecretRedactor } from '../redact';
import type { Transport } from '../transport';

interface ErrorContext {
  url: string;
  timeout: number;
  transport: Transport;
  redactor: SecretRedactor;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (is the server running and the port right?)',
  ENOTFOUND: 'the host name could not be resolved (DNS)',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS)',
  ECONNRESET: 'the server closed the connection',
  EPIPE: 'the server closed the connection',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ECONNABORTED: 'the connection was aborted',
};

export function mapRequestError(err: unknown, context: ErrorContext): RestError {
  const mapped = classify(err, context);
  const safe = new RestError(mapped.code, context.redactor.redact(mapped.message), {
    statusCode: mapped.statusCode,
    headers: mapped.headers,
    responseBody: mapped.responseBody === undefined ? undefined : context.redactor.redact(mapped.responseBody),
    responseUrl: mapped.responseUrl,
  });
  return safe;
}

function classify(err: unknown, context: ErrorContext): RestError {
  if (isRestError(err)) return err;
  const fromTransport = context.transport.classifyError(err);
  if (fromTransport) return fromTransport;
  const error = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const code = error.code ?? error.cause?.code ?? '';
  if (error.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return new RestError(
      'ERR_TIMEOUT',
      `No answer from ${context.url} within ${context.timeout} ms (the connection's timeout, per attempt).`,
    );
  }
  if (error.name === 'MaxRedirectsError') {
    return new RestError('ERR_HTTP_STATUS', `Too many redirects from ${context.url}.`);
  }
  if (/CERT|SSL|TLS/.test(code)) {
    return new RestError('ERR_TLS', `TLS connection to ${context.url} failed: ${error.message ?? code}.`);
  }
  if (NETWORK_CODES[code]) {
    return new RestError('ERR_NETWORK', `Could not reach ${context.url}: ${NETWORK_CODES[code]} (${code}).`);
  }
  return new RestError('ERR_NETWORK', `Request to ${context.url} failed: ${error.message ?? String(err)}.`);
}
