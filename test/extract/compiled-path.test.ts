/** Compiled JSONPaths (lib/extract/compiled-path.ts): the fast plain paths agree with jsonpath-plus. */
import assert from 'node:assert/strict';
import { CompiledPath } from '../../lib/extract/compiled-path';

describe('extract: CompiledPath', () => {
  it('plain paths and jsonpath-plus agree on own properties', () => {
    const doc = { a: { b: [10, 20] } };
    assert.deepEqual(new CompiledPath('p', '$.a.b[1]').all(doc), [20]);
    assert.deepEqual(new CompiledPath('p', '$.a.b[-1:]').all(doc), [20]);
    assert.deepEqual(new CompiledPath('p', '$.a.toString').all(doc), []);
    assert.deepEqual(new CompiledPath('p', '$..b[0]').all(doc), [10]);
  });
});
