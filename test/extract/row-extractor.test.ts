/** Rows out of a document (lib/extract/row-extractor.ts, row-table.ts, compile-columns.ts). */
import assert from 'node:assert/strict';
import { RowExtractor, type RowExtractorOptions } from '../../lib/extract/row-extractor';
import { assertCode } from './assert-code';

function rows(options: Partial<RowExtractorOptions>, doc: unknown): unknown[] {
  return new RowExtractor({ rowsPath: '$', columns: [], format: 'objects', ...options }).extract(doc);
}

describe('extract: RowExtractor', () => {
  const users = {
    data: {
      items: [
        { id: 1, name: 'Ann', address: { city: 'Oslo' } },
        { id: 2, name: 'Bob' },
      ],
    },
  };

  it('rowsPath $ on an array: the array is the rows', () => {
    assert.deepEqual(rows({}, [{ a: 1 }, { a: 2 }]), [{ a: 1 }, { a: 2 }]);
  });

  it('rowsPath $ on an object: one row', () => {
    assert.deepEqual(rows({}, { a: 1 }), [{ a: 1 }]);
  });

  it('an empty rowsPath means $', () => {
    assert.deepEqual(rows({ rowsPath: '' }, [1, 2]), [1, 2]);
  });

  it('dotted rowsPath to an array', () => {
    assert.deepEqual(rows({ rowsPath: '$.data.items' }, users), users.data.items);
  });

  it('rowsPath without $ is read from the root', () => {
    assert.deepEqual(rows({ rowsPath: 'data.items' }, users), users.data.items);
  });

  it('rowsPath ending in [*] gives the items', () => {
    assert.deepEqual(rows({ rowsPath: '$.data.items[*]' }, users), users.data.items);
    assert.deepEqual(rows({ rowsPath: '$.data[*]' }, { data: { a: { x: 1 }, b: { x: 2 } } }), [{ x: 1 }, { x: 2 }]);
  });

  it('several matches are the rows', () => {
    assert.deepEqual(rows({ rowsPath: '$..name' }, users), ['Ann', 'Bob']);
  });

  it('a filter picks rows', () => {
    assert.deepEqual(rows({ rowsPath: '$.data.items[?(@.id > 1)]' }, users), [{ id: 2, name: 'Bob' }]);
  });

  it('a filter on a field some rows lack does not fail', () => {
    assert.deepEqual(rows({ rowsPath: '$.data.items[?(@.address.city == "Oslo")].id' }, users), [1]);
  });

  it('no match, or a null match, gives no rows', () => {
    assert.deepEqual(rows({ rowsPath: '$.nothing' }, users), []);
    assert.deepEqual(rows({ rowsPath: '$.items' }, { items: null }), []);
    assert.deepEqual(rows({ rowsPath: '$.a.b' }, null), []);
    assert.deepEqual(rows({}, null), []);
  });

  it('does not follow inherited properties', () => {
    assert.deepEqual(rows({ rowsPath: '$.constructor' }, {}), []);
    assert.deepEqual(rows({ rowsPath: '$.items.length' }, { items: [1, 2] }), [2]);
  });

  it('columns pick and rename fields; absent fields are null', () => {
    const extractor = new RowExtractor({
      rowsPath: '$.data.items',
      format: 'objects',
      columns: [
        { name: 'id', path: '$.id' },
        { name: 'who', path: 'name' },
        { name: 'city', path: '@.address.city' },
      ],
    });
    assert.deepEqual(extractor.extract(users), [
      { id: 1, who: 'Ann', city: 'Oslo' },
      { id: 2, who: 'Bob', city: null },
    ]);
  });

  it('a column path with wildcards takes the first match', () => {
    const doc = [{ tags: [{ t: 'x' }, { t: 'y' }] }, { tags: [] }];
    assert.deepEqual(rows({ columns: [{ name: 'tag', path: '$.tags[*].t' }] }, doc), [{ tag: 'x' }, { tag: null }]);
  });

  it('an empty column path reads the property named like the column, dots included', () => {
    const doc = [{ 'a.b': 1, a: { b: 2 } }];
    assert.deepEqual(rows({ columns: [{ name: 'a.b', path: '' }] }, doc), [{ 'a.b': 1 }]);
  });

  it('bracketed names with spaces', () => {
    assert.deepEqual(rows({ columns: [{ name: 'n', path: "$['first name']" }] }, [{ 'first name': 'Ann' }]), [
      { n: 'Ann' },
    ]);
  });

  it('columns on scalar rows give null', () => {
    assert.deepEqual(rows({ columns: [{ name: 'id', path: 'id' }] }, [1, null]), [{ id: null }, { id: null }]);
  });

  it('format arrays with columns: arrays in column order and columnNames()', () => {
    const extractor = new RowExtractor({
      rowsPath: '$.data.items',
      format: 'arrays',
      columns: [
        { name: 'name', path: 'name' },
        { name: 'id', path: 'id' },
      ],
    });
    assert.deepEqual(extractor.extract(users), [
      ['Ann', 1],
      ['Bob', 2],
    ]);
    assert.deepEqual(extractor.columnNames(), ['name', 'id']);
  });

  it('format arrays without columns: keys of the first row, kept over later pages', () => {
    const table = new RowExtractor({ rowsPath: '$', format: 'arrays', columns: [] }).table();
    assert.deepEqual(table.columnNames(), []);
    assert.deepEqual(
      table.extract([
        { a: 1, b: 2 },
        { b: 3, c: 4 },
      ]),
      [
        [1, 2],
        [null, 3],
      ],
    );
    assert.deepEqual(table.extract([{ c: 5, a: 6 }]), [[6, null]]);
    assert.deepEqual(table.columnNames(), ['a', 'b']);
  });

  it('format arrays without columns: scalar rows become [value], array rows stay', () => {
    const scalars = new RowExtractor({ rowsPath: '$', format: 'arrays', columns: [] }).table();
    assert.deepEqual(scalars.extract([1, 2]), [[1], [2]]);
    assert.deepEqual(scalars.columnNames(), ['value']);
    assert.deepEqual(rows({ format: 'arrays' }, [[1, 2], [3]]), [[1, 2], [3]]);
  });

  it('reuses the compiled path: the same extractor serves many documents', () => {
    const extractor = new RowExtractor({
      rowsPath: '$.items[?(@.ok)]',
      columns: [{ name: 'v', path: '$.v' }],
      format: 'objects',
    });
    for (let i = 0; i < 50; i++) {
      assert.deepEqual(
        extractor.extract({
          items: [
            { ok: true, v: i },
            { ok: false, v: -1 },
          ],
        }),
        [{ v: i }],
      );
    }
  });

  const badPaths: [string, string][] = [
    ['$.a[', 'is not closed'],
    ['$.a]', 'no matching'],
    ['$.a[]', 'empty [ ]'],
    ['$$', 'after $'],
    ['$a', 'after $'],
    ['$.', 'ends with'],
    ['$...a', 'too many dots'],
    ['$.first name', 'space'],
    ["$['a]", 'quote'],
    ['$[?(@.x ==)]', 'does not parse'],
    ['$[?(@.x > 1]', 'not closed'],
    ['$[?(Math.max(1, 2))]', 'unknown name "Math"'],
    ['   ', 'empty'],
  ];
  for (const [path, why] of badPaths) {
    it(`rowsPath ${JSON.stringify(path)} -> ERR_JSONPATH naming the property and the path`, () => {
      assertCode(() => new RowExtractor({ rowsPath: path, columns: [], format: 'objects' }), 'ERR_JSONPATH', why);
      assertCode(
        () => new RowExtractor({ rowsPath: path, columns: [], format: 'objects' }),
        'ERR_JSONPATH',
        'rowsPath',
      );
    });
  }

  it('a bad column path -> ERR_JSONPATH naming the column', () => {
    assertCode(
      () => new RowExtractor({ rowsPath: '$', format: 'objects', columns: [{ name: 'city', path: '$.a[' }] }),
      'ERR_JSONPATH',
      'columns[0] "city" path "$.a["',
    );
  });

  it('bad columns and format -> ERR_CONFIG', () => {
    assertCode(
      () => new RowExtractor({ rowsPath: '$', format: 'objects', columns: [{ name: '', path: 'a' }] }),
      'ERR_CONFIG',
      'no name',
    );
    assertCode(
      () =>
        new RowExtractor({
          rowsPath: '$',
          format: 'objects',
          columns: [
            { name: 'a', path: 'a' },
            { name: 'a', path: 'b' },
          ],
        }),
      'ERR_CONFIG',
      'twice',
    );
    assertCode(
      () => new RowExtractor({ rowsPath: '$', format: 'objects', columns: 'a,b' as unknown as [] }),
      'ERR_CONFIG',
      'list',
    );
    assertCode(
      () => new RowExtractor({ rowsPath: '$', format: 'table' as 'objects', columns: [] }),
      'ERR_CONFIG',
      'format',
    );
  });
});
