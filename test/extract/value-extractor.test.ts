/** One value out of a response (lib/extract/value-extractor.ts, convert-value.ts). */
import assert from 'node:assert/strict';
import { RestError } from '../../lib/errors';
import { ValueExtractor, type ValueExtractorOptions } from '../../lib/extract/value-extractor';
import { assertCode } from './assert-code';

function value(options: Partial<ValueExtractorOptions>, input: unknown): unknown {
  return new ValueExtractor({
    valuePath: '$',
    valueType: 'auto',
    missing: 'error',
    defaultValue: '',
    ...options,
  }).extract(input);
}

describe('extract: ValueExtractor', () => {
  it('$ on parsed JSON is the whole value', () => {
    assert.deepEqual(value({}, { a: 1 }), { a: 1 });
    assert.equal(value({}, 0), 0);
    assert.equal(value({}, false), false);
  });

  it('first match of valuePath', () => {
    assert.equal(value({ valuePath: '$.items[*].id' }, { items: [{ id: 7 }, { id: 8 }] }), 7);
    assert.equal(value({ valuePath: 'count' }, { count: 3 }), 3);
  });

  it('text with valuePath $ is the value itself; another path on text -> ERR_NOT_JSON', () => {
    assert.equal(value({}, 'hello'), 'hello');
    assertCode(() => value({ valuePath: '$.a' }, 'hello'), 'ERR_NOT_JSON', '$.a');
  });

  it('valueType string: JSON text for objects, String() for others', () => {
    assert.equal(value({ valueType: 'string' }, { a: [1] }), '{"a":[1]}');
    assert.equal(value({ valueType: 'string' }, 12.5), '12.5');
    assert.equal(value({ valueType: 'string' }, true), 'true');
  });

  it('valueType number: numbers and numeric strings', () => {
    assert.equal(value({ valueType: 'number' }, 4.5), 4.5);
    assert.equal(value({ valueType: 'number' }, ' -12.5e2 '), -1250);
    assert.equal(value({ valueType: 'number', valuePath: '$.n' }, { n: '42' }), 42);
  });

  for (const bad of ['abc', '', '0x10', '12px', true, { a: 1 }]) {
    it(`valueType number on ${JSON.stringify(bad)} -> ERR_VALUE quoting the value`, () => {
      assertCode(() => value({ valueType: 'number' }, bad), 'ERR_VALUE', 'is not a number');
      assertCode(() => value({ valueType: 'number' }, bad), 'ERR_VALUE', JSON.stringify(bad).slice(0, 10));
    });
  }

  it('ERR_VALUE quotes only a short excerpt of a long value', () => {
    assert.throws(
      () => value({ valueType: 'number' }, 'x'.repeat(5000)),
      (err: RestError) => err.code === 'ERR_VALUE' && err.message.length < 200,
    );
  });

  it('valueType boolean: true/false, yes/no, on/off, 1/0', () => {
    const cases = [
      [true, true],
      ['TRUE', true],
      ['yes', true],
      ['on', true],
      [1, true],
      ['1', true],
      [false, false],
      ['False', false],
      ['no', false],
      ['off', false],
      [0, false],
      ['0', false],
    ];
    for (const [input, expected] of cases)
      assert.equal(value({ valueType: 'boolean' }, input), expected, JSON.stringify(input));
    assertCode(() => value({ valueType: 'boolean' }, 'maybe'), 'ERR_VALUE', 'not a boolean');
    assertCode(() => value({ valueType: 'boolean' }, 2), 'ERR_VALUE', 'not a boolean');
  });

  it('JSON null stays null whatever the valueType', () => {
    for (const valueType of ['auto', 'string', 'number', 'boolean'] as const)
      assert.equal(value({ valueType, valuePath: '$.v' }, { v: null }), null);
  });

  it('missing: error -> ERR_VALUE "matched nothing"', () => {
    assertCode(() => value({ valuePath: '$.x' }, { y: 1 }), 'ERR_VALUE', 'valuePath $.x matched nothing');
    assertCode(() => value({}, undefined), 'ERR_VALUE', 'matched nothing');
  });

  it('missing: null and missing: default (converted by valueType)', () => {
    assert.equal(value({ valuePath: '$.x', missing: 'null' }, {}), null);
    assert.equal(value({ valuePath: '$.x', missing: 'default', defaultValue: '5', valueType: 'number' }, {}), 5);
    assert.equal(value({ valuePath: '$.x', missing: 'default', defaultValue: 'no', valueType: 'boolean' }, {}), false);
    assert.equal(value({ valuePath: '$.x', missing: 'default', defaultValue: 'n/a' }, {}), 'n/a');
  });

  it('bad settings -> ERR_CONFIG or ERR_JSONPATH at construction', () => {
    assertCode(
      () => new ValueExtractor({ valuePath: '$.x', valueType: 'number', missing: 'default', defaultValue: 'abc' }),
      'ERR_CONFIG',
      'defaultValue',
    );
    assertCode(
      () => new ValueExtractor({ valuePath: '$', valueType: 'date' as 'auto', missing: 'error', defaultValue: '' }),
      'ERR_CONFIG',
      'valueType',
    );
    assertCode(
      () => new ValueExtractor({ valuePath: '$', valueType: 'auto', missing: 'skip' as 'null', defaultValue: '' }),
      'ERR_CONFIG',
      'missing',
    );
    assertCode(
      () => new ValueExtractor({ valuePath: '$.a[', valueType: 'auto', missing: 'error', defaultValue: '' }),
      'ERR_JSONPATH',
      'valuePath "$.a["',
    );
  });
});
