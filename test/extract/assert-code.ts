/** The assertion the extraction tests share. */
import assert from 'node:assert/strict';
import { RestError } from '../../lib/errors';

/** Asserts that `fn` throws a RestError with `code` and, when given, `messagePart` in its message. */
export function assertCode(fn: () => unknown, code: string, messagePart?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RestError, String(err));
    assert.equal(err.code, code);
    if (messagePart) assert.ok(err.message.includes(messagePart), `"${err.message}" should include "${messagePart}"`);
    return true;
  });
}
