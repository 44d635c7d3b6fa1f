/**
 * A response nested 100,000 levels deep (JSON.parse takes it; anything recursive does not) gives
 * ERR_VALUE with a message about the data, never ERR_CONFIG "Unexpected failure: Maximum call
 * stack size exceeded", and never a crash: in the extractors and through the nodes.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { RowExtractor } from '../../lib/extract/row-extractor';
import { ValueExtractor } from '../../lib/extract/value-extractor';
import { startApi } from '../support/loopback-server';
import { flowWith, helper, load, nextMessage, useNodeRed } from '../support/node-red';

const DEPTH = 100_000;
const DEEP = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
const BODY = `{"value":${DEEP},"rows":[{"id":1,"deep":${DEEP}}]}`;
const TOO_DEEP = /nested too deeply/;

describe('extract: JSON nested 100,000 levels deep', function () {
  const doc: unknown = JSON.parse(BODY);

  it('valueType string: ERR_VALUE naming valueType string and the nesting', function () {
    const extractor = new ValueExtractor({
      valuePath: '$.value',
      valueType: 'string',
      missing: 'error',
      defaultValue: '',
    });
    assert.throws(
      () => extractor.extract(doc),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_VALUE');
        assert.match(err.message, /^valueType string: the value is nested too deeply/);
        return true;
      },
    );
  });

  it('valueType number: ERR_VALUE "is not a number", the value shown as […]', function () {
    const extractor = new ValueExtractor({
      valuePath: '$.value',
      valueType: 'number',
      missing: 'error',
      defaultValue: '',
    });
    assert.throws(() => extractor.extract(doc), { code: 'ERR_VALUE', message: 'the value […] is not a number' });
  });

  it('a recursive rowsPath ($..id): ERR_VALUE naming rowsPath', function () {
    const extractor = new RowExtractor({ rowsPath: '$..id', columns: [], format: 'objects' });
    assert.throws(
      () => extractor.extract(doc),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_VALUE');
        assert.match(err.message, /^rowsPath "\$\.\.id": the value is nested too deeply/);
        return true;
      },
    );
  });

  it('plain paths walk only what they name: rows and columns come out', function () {
    const rows = new RowExtractor({
      rowsPath: '$.rows',
      columns: [{ name: 'id', path: 'id' }],
      format: 'arrays',
    }).extract(doc);
    assert.deepEqual(rows, [[1]]);
  });
});

describe('nodes: a response nested 100,000 levels deep', function () {
  this.timeout(20000);
  let api: Awaited<ReturnType<typeof startApi>>;
  useNodeRed();

  before(async () => {
    api = await startApi({
      'GET /deep': (_req: unknown, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(BODY);
      },
    });
  });
  after(() => api.close());

  async function caught(type: string, node: Record<string, unknown>) {
    await load(flowWith({ type, connection: { baseUrl: api.url }, node: { path: '/deep', ...node } }));
    const error = nextMessage('caught', 15000);
    helper.getNode('restNode').receive({ payload: 1 });
    return ((await error) as { error: { code: string; message: string } }).error;
  }

  it('scalar, valueType string: ERR_VALUE, not ERR_CONFIG "Unexpected failure"', async function () {
    const error = await caught('execute-rest-scalar', { valuePath: '$.value', valueType: 'string' });
    assert.equal(error.code, 'ERR_VALUE');
    assert.match(error.message, TOO_DEEP);
    assert.doesNotMatch(error.message, /Unexpected failure|call stack/);
  });

  it('grid, recursive rowsPath: ERR_VALUE', async function () {
    const error = await caught('execute-rest-grid', { rowsPath: '$..id' });
    assert.equal(error.code, 'ERR_VALUE');
    assert.match(error.message, TOO_DEEP);
  });

  it('grid, rowsPath $.rows with a column: the rows go out', async function () {
    await load(
      flowWith({
        connection: { baseUrl: api.url },
        node: { path: '/deep', rowsPath: '$.rows', columns: [{ name: 'id', path: 'id' }] },
      }),
    );
    const out = nextMessage('out', 15000);
    helper.getNode('restNode').receive({ payload: 1 });
    assert.deepEqual(((await out) as { payload: unknown }).payload, [{ id: 1 }]);
  });

  it('grid, rowsPath $ (the whole deep document as one row): the row goes out, nothing crashes', async function () {
    await load(flowWith({ connection: { baseUrl: api.url }, node: { path: '/deep', split: true } }));
    const out = nextMessage('out', 15000);
    helper.getNode('restNode').receive({ payload: 1 });
    const row = ((await out) as { payload: { rows: unknown } }).payload;
    assert.deepEqual(row.rows, [{ id: 1, deep: (row.rows as { deep: unknown }[])[0]?.deep }]);
  });
});
