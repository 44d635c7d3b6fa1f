/**
 * The one secret scan of the suite: every form a secret could leak in, and an assertion that
 * none of them shows in what a user can see (an error, a message, a status, a log line).
 *
 *   assertNoSecret(err, [password], { users: ['alice'] });
 *   assertNoSecret(logText, secretsOf(credentials));
 */
import assert from 'node:assert/strict';
import util from 'node:util';

export interface ScanOptions {
  /** User names the secret may be paired with in a Basic header (`user:secret` in base64). */
  users?: string[];
}

/** A secret as it could leak: raw, base64, base64url, hex, URL-encoded, and Basic pairs. */
export function secretForms(secret: string, options: ScanOptions = {}): string[] {
  const bytes = Buffer.from(secret);
  const forms = [
    secret,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    ...(options.users ?? []).map((user) => Buffer.from(`${user}:${secret}`).toString('base64')),
  ];
  // Very short secrets would match by chance in unrelated text; tests use longer ones.
  return [...new Set(forms)].filter((form) => form.length >= 6);
}

/** Everything a value shows: its message, its string form and a deep inspection. */
export function shownText(value: unknown): string {
  if (typeof value === 'string') return value;
  const message = value instanceof Error ? value.message : '';
  return `${message}\n${String(value)}\n${util.inspect(value, { depth: 10 })}\n${safeJson(value)}`;
}

/** Fails naming the form when any form of any secret shows in `value`. */
export function assertNoSecret(value: unknown, secrets: readonly string[], options: ScanOptions = {}): void {
  const text = shownText(value);
  for (const secret of secrets) {
    for (const form of secretForms(secret, options)) {
      assert.ok(!text.includes(form), `a secret shows (as ${form.slice(0, 4)}…): ${text.slice(0, 300)}`);
    }
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
