/** Asserts that a secret appears nowhere in what a user sees of an error: raw, base64 or URL-encoded. */
import assert from 'node:assert/strict';

export function assertNoSecret(shown: unknown, secret: string): void {
  const error = shown as { message?: unknown; responseBody?: unknown; headers?: unknown; stack?: unknown };
  const text = JSON.stringify({
    message: error?.message,
    responseBody: error?.responseBody,
    headers: error?.headers,
    all: shown,
  });
  const forms = [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret),
  ];
  for (const form of forms) assert.ok(!text.includes(form), `the secret shows (as ${form}) in ${text.slice(0, 300)}`);
}
