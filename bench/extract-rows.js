'use strict';
/**
 * Extraction speed beside JSON.parse of the same bytes: 100,000 rows x 10 columns picked by
 * column paths. Was a timed unit test; timings belong here. `npm run build` first, then
 * `node bench/extract-rows.js` prints the best of 5 runs of each and their ratio.
 */
const { RowExtractor } = require('../dist/lib/extract/row-extractor');

const ROWS = 100000;
const data = [];
for (let i = 0; i < ROWS; i++) {
  const row = {};
  for (let c = 0; c < 10; c++) row['col' + c] = c % 2 ? `value-${i}-${c}` : i * c;
  data.push(row);
}
const text = JSON.stringify({ data });
const columns = Array.from({ length: 10 }, (_, c) => ({ name: 'c' + c, path: '$.col' + c }));
const extractor = new RowExtractor({ rowsPath: '$.data', columns, format: 'objects' });

function best(fn, runs = 5) {
  let ms = Infinity;
  for (let k = 0; k < runs; k++) {
    const start = performance.now();
    fn();
    ms = Math.min(ms, performance.now() - start);
  }
  return ms;
}

let doc;
const parseMs = best(() => (doc = JSON.parse(text)));
let rows;
const extractMs = best(() => (rows = extractor.extract(doc)));
if (rows.length !== ROWS || rows[ROWS - 1].c1 !== `value-${ROWS - 1}-1`) throw new Error('wrong rows');
console.log(
  `${ROWS} rows x 10 columns (${(text.length / 1e6).toFixed(1)} MB): JSON.parse ${parseMs.toFixed(1)} ms, ` +
    `extract ${extractMs.toFixed(1)} ms, extract/parse ${(extractMs / parseMs).toFixed(2)}`,
);
