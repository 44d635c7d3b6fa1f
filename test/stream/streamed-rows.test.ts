/**
 * Rows read from a body in chunks give exactly what RowExtractor gives for the parsed document,
 * whatever byte the chunks are cut at (inside strings, escapes, keys, multi-byte characters), for
 * every rowsPath form a stream follows; other forms are left to whole-body parsing; a body that
 * is not JSON fails at any cut.
 */
import assert from 'node:assert/strict';
import { CompiledPath } from '../../lib/extract/compiled-path';
import { RowExtractor, type RowExtractorOptions } from '../../lib/extract/row-extractor';
import { JsonStreamError } from '../../lib/stream/json-row-scanner';
import { StreamedRows } from '../../lib/stream/streamed-rows';

type Options = Partial<RowExtractorOptions>;
const extractor = (options: Options) => new RowExtractor({ rowsPath: '$', columns: [], format: 'objects', ...options });

function readerFor(options: Options): StreamedRows {
  const reader = StreamedRows.of(extractor(options).table());
  assert.ok(reader, `${options.rowsPath} streams`);
  return reader;
}

/** Rows and the envelope document, the body cut into the given pieces. */
function readInPieces(options: Options, pieces: Buffer[]): { rows: unknown[]; doc: unknown } {
  const reader = readerFor(options);
  const rows: unknown[] = [];
  for (const piece of pieces) rows.push(...reader.write(piece));
  const end = reader.end();
  return { rows: [...rows, ...end.rows], doc: end.doc };
}

/** Every cut into two pieces, and one byte at a time. */
function everyCut(body: string): Buffer[][] {
  const bytes = Buffer.from(body);
  const cuts: Buffer[][] = [];
  for (let at = 0; at <= bytes.length; at++) cuts.push([bytes.subarray(0, at), bytes.subarray(at)]);
  cuts.push([...bytes].map((byte) => Buffer.from([byte])));
  return cuts;
}

function assertSameAsWhole(options: Options, body: string): void {
  const expected = extractor(options).extract(JSON.parse(body));
  for (const pieces of everyCut(body)) {
    const { rows } = readInPieces(options, pieces);
    assert.deepEqual(
      rows,
      expected,
      `${options.rowsPath} on ${body} cut into ${pieces.map((p) => p.length).join('+')}`,
    );
  }
}

const TRICKY_ROWS =
  '[{"id":1,"name":"a \\"quoted\\" ]},[ name","path":"C:\\\\dir\\\\"},' +
  '{"id":2,"city":"Zürich","emoji":"😀","esc":"\\u00e9\\n"},' +
  '[1,[2,[3]]], null, "text", 42, -1.5e3, true, {} ,[]]';

describe('stream: rows read from a body in chunks', function () {
  describe('each path form that streams gives the rows of the whole document, at every cut', function () {
    it('$ and $[*]: the root array', () => {
      assertSameAsWhole({ rowsPath: '$' }, TRICKY_ROWS);
      assertSameAsWhole({ rowsPath: '$[*]' }, TRICKY_ROWS);
    });

    it('$.data and $.data[*] beside other properties, before and after the rows', () => {
      const body = `{"total":9,"links":{"next":"/p?x=\\"2\\""},"data":${TRICKY_ROWS},"more":[1,2],"n":null}`;
      assertSameAsWhole({ rowsPath: '$.data' }, body);
      assertSameAsWhole({ rowsPath: '$.data[*]' }, body);
      assertSameAsWhole({ rowsPath: 'data' }, body);
    });

    it('$.a.b[*] with decoys: the same names elsewhere, escaped keys, a bracketed name', () => {
      const body =
        '{"b":[{"decoy":1}],"x":{"a":{"b":[9]}},"a":{"c":"\\\\","b\\u0000":[0],"b":[{"id":1},{"id":2}]},"z":1}';
      assertSameAsWhole({ rowsPath: '$.a.b[*]' }, body);
      assertSameAsWhole({ rowsPath: '$.a.b' }, body);
      assertSameAsWhole({ rowsPath: "$['a']['b']" }, body);
      assertSameAsWhole({ rowsPath: "$['a b'].c" }, '{"a b":{"c":[1,2]}}');
    });

    it('keeps the rules of a single match: one array item is unwrapped by [*], null is no rows, an object one row', () => {
      for (const body of ['{"d":[[1,2]]}', '{"d":[null]}', '{"d":[{"a":1}]}', '{"d":[]}', '{"d":[[]]}']) {
        assertSameAsWhole({ rowsPath: '$.d[*]' }, body);
        assertSameAsWhole({ rowsPath: '$.d' }, body);
      }
      for (const body of ['{"d":{"a":1,"b":{"c":2}}}', '{"d":null}', '{"d":"text"}', '{"e":[1]}', '{"d":7}']) {
        assertSameAsWhole({ rowsPath: '$.d[*]' }, body);
        assertSameAsWhole({ rowsPath: '$.d' }, body);
      }
      for (const body of ['{"a":1}', 'null', ' 42 ', '"text"', '[]', '{"d":{"e":[1]}}']) {
        assertSameAsWhole({ rowsPath: '$' }, body);
        assertSameAsWhole({ rowsPath: '$.d.e' }, body);
      }
      // A path that walks through an array or a scalar matches nothing.
      assertSameAsWhole({ rowsPath: '$.d.e' }, '{"d":[{"e":[1]}]}');
      assertSameAsWhole({ rowsPath: '$.d.e' }, '{"d":"e"}');
    });

    it('applies columns and format arrays to streamed rows, inferring columns from the first row', () => {
      const body = '{"data":[{"id":1,"address":{"city":"Bern"}},{"id":2,"extra":true}]}';
      assertSameAsWhole({ rowsPath: '$.data', columns: [{ name: 'city', path: '$.address.city' }] }, body);
      assertSameAsWhole({ rowsPath: '$.data[*]', format: 'arrays' }, body);
      assertSameAsWhole(
        {
          rowsPath: '$.data',
          format: 'arrays',
          columns: [
            { name: 'id', path: 'id' },
            { name: 'x', path: 'extra' },
          ],
        },
        body,
      );
    });
  });

  it('__proto__ keys stay plain data: in rows, in the envelope and on the path', () => {
    const body = '{"__proto__":{"polluted":1},"data":[{"__proto__":{"admin":true},"id":1}]}';
    for (const pieces of everyCut(body)) {
      const { rows, doc } = readInPieces({ rowsPath: '$.data' }, pieces);
      const row = rows[0] as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(row), Object.prototype);
      assert.deepEqual(Object.keys(row), ['__proto__', 'id']);
      assert.deepEqual(row['__proto__'], { admin: true });
      assert.equal((row as { admin?: unknown }).admin, undefined);
      assert.equal(Object.getPrototypeOf(doc), Object.prototype);
      assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    }
    const { rows } = readInPieces({ rowsPath: '$.__proto__' }, [Buffer.from('{"__proto__":[{"a":1}]}')]);
    assert.deepEqual(rows, [{ a: 1 }]);
  });

  it('gives the envelope without the rows: what paging reads nextPath from', () => {
    const body = '{"data":[{"id":1},{"id":2}],"links":{"next":"/items?page=2"},"count":2}';
    for (const pieces of everyCut(body)) {
      const { doc } = readInPieces({ rowsPath: '$.data' }, pieces);
      assert.deepEqual(doc, { data: [], links: { next: '/items?page=2' }, count: 2 });
    }
  });

  it('hands rows out as chunks arrive, before the body ends', () => {
    const reader = readerFor({ rowsPath: '$.items' });
    assert.deepEqual(reader.write(Buffer.from('{"items":[{"n":1},{"n":2},{"n"')), [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(reader.write(Buffer.from(':3},')), [{ n: 3 }]);
    assert.deepEqual(reader.write(Buffer.from('{"n":4}]}')), [{ n: 4 }]);
    assert.deepEqual(reader.end().rows, []);
  });

  describe('forms that need the whole document', function () {
    for (const path of [
      '$..id',
      '$.data[?(@.active)]',
      '$.data[0]',
      '$.data[0:2]',
      '$.data[0,1]',
      "$['a','b']",
      '$.data.0',
      '$.data.length',
      '$.*.items',
      '$..*',
    ]) {
      it(`${path} does not stream`, () => {
        assert.equal(new CompiledPath('rowsPath', path).streamSteps, undefined);
        assert.equal(StreamedRows.of(extractor({ rowsPath: path }).table()), undefined);
      });
    }
  });

  describe('a body that is not JSON fails with JsonStreamError at every cut', function () {
    const bad: [string, string][] = [
      ['$', '[1,]'],
      ['$', '[1 2]'],
      ['$', '[,1]'],
      ['$', '[1,,2]'],
      ['$', '[1'],
      ['$', '[{"a":1}'],
      ['$', '[1]x'],
      ['$', '[1]]'],
      ['$', ''],
      ['$', '<html>oops</html>'],
      ['$', '{"a":}'],
      ['$.data', '{"data":[{"a":}]}'],
      ['$.data', '{"data":[1],}'],
      ['$.data', '{"data":[1] "x":2}'],
      ['$.data', '{"data":[1]'],
      ['$.data', '{"data":[1,2}'],
      ['$.data', '{"other":tru,"data":[1]}'],
      ['$.data', '{"data":"unterminated}'],
      ['$.data[*]', '{"data":[1, 2, {"x": [}]}'],
    ];
    for (const [rowsPath, body] of bad) {
      it(`${rowsPath} on ${JSON.stringify(body)}`, () => {
        for (const pieces of everyCut(body)) {
          assert.throws(
            () => readInPieces({ rowsPath }, pieces),
            JsonStreamError,
            `cut into ${pieces.map((p) => p.length).join('+')}`,
          );
        }
      });
    }
  });

  it('hands out the rows before a bad one in the same chunk, then fails on the next call', () => {
    const reader = readerFor({ rowsPath: '$.data' });
    const body = '{"data":[{"id":1},{"id":"2,}"},[3,{"a":[4]}],{"id":oops},{"id":5}]}';
    assert.deepEqual(reader.write(Buffer.from(body)), [{ id: 1 }, { id: '2,}' }, [3, { a: [4] }]]);
    assert.throws(() => reader.write(Buffer.from('')), JsonStreamError);
    assert.throws(() => reader.end(), JsonStreamError);
  });

  it('reads many rows across 64 KB chunks with escapes and multi-byte characters at the cuts', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ id: i, text: `é"\\${'x'.repeat(i % 50)}😀`, n: [i] }));
    const body = Buffer.from(JSON.stringify({ meta: { total: rows.length }, rows }));
    for (const size of [65536, 4099, 7]) {
      const pieces: Buffer[] = [];
      for (let at = 0; at < body.length; at += size) pieces.push(body.subarray(at, at + size));
      const read = readInPieces({ rowsPath: '$.rows[*]' }, pieces);
      assert.equal(read.rows.length, rows.length);
      assert.deepEqual(read.rows, rows);
      assert.deepEqual(read.doc, { meta: { total: 5000 }, rows: [] });
    }
  });
});
