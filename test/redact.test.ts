/** The secret redactor (lib/redact.ts): every form of a secret, rotation, and what it leaves alone. */
import assert from 'node:assert/strict';
import { REDACTED, SecretRedactor } from '../lib/redact';

describe('SecretRedactor', function () {
  it('recognises a secret as is, URL-encoded, form-encoded, with lower-case escapes and in base64', () => {
    const redactor = new SecretRedactor();
    const secret = "Q8a b~c!'()*/+=";
    redactor.add(secret);
    for (const form of [
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ k: secret }).toString().slice(2),
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
      Buffer.from(secret).toString('base64'),
    ]) {
      assert.equal(redactor.redact(`before ${form} after`), `before ${REDACTED} after`, form);
    }
  });

  it('keeps only the last two generations of a rotating secret', () => {
    const redactor = new SecretRedactor();
    for (const token of ['token-gen-1', 'token-gen-2', 'token-gen-3']) redactor.rotate('access', token);
    assert.equal(redactor.redact('token-gen-3 token-gen-2'), `${REDACTED} ${REDACTED}`);
    assert.equal(redactor.redact('token-gen-1'), 'token-gen-1', 'the oldest generation is forgotten');
  });

  it('ignores values too short to be told from ordinary text', () => {
    const redactor = new SecretRedactor();
    redactor.add('abc', undefined, null, '');
    assert.equal(redactor.redact('abc'), 'abc');
  });
});
