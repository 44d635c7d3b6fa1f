'use strict';
/**
 * The API of `npm run bench:stream`, in its own process: GET /export?mb=N answers a chunked JSON
 * export of about N MB, `{"total":…,"data":[rows…]}`, rows of about 200 bytes made as they are
 * written (with backpressure), so the server never holds the body either. GET /export-bytes?mb=N
 * answers how many bytes and rows that body has, without sending it. Sends its URL to the parent.
 */
const http = require('node:http');

const ROWS_PER_PIECE = 1000;

function row(id) {
  return {
    id,
    name: `Customer ${id}`,
    email: `customer${id}@example.com`,
    city: id % 7 === 0 ? 'Zürich' : 'Berlin',
    country: 'DE',
    amount: Math.round(id * 1337) / 100,
    active: id % 3 !== 0,
    created: '2026-12-02T07:00:00Z',
    tags: ['export', id % 2 ? 'odd' : 'even'],
    note: 'a "quoted" note',
  };
}

/** Rows for about `mb` MB: a whole number of pieces of ROWS_PER_PIECE rows. */
function rowCountFor(mb) {
  const perRow = Buffer.byteLength(JSON.stringify(row(1000000))) + 1;
  return Math.ceil((mb * 1024 * 1024) / perRow / ROWS_PER_PIECE) * ROWS_PER_PIECE;
}

function piece(from, to) {
  const rows = [];
  for (let id = from; id < to; id++) rows.push(JSON.stringify(row(id)));
  return rows.join(',');
}

function* bodyPieces(mb) {
  const rows = rowCountFor(mb);
  yield `{"total":${rows},"data":[`;
  for (let id = 1; id <= rows; id += ROWS_PER_PIECE) {
    yield (id > 1 ? ',' : '') + piece(id, Math.min(id + ROWS_PER_PIECE, rows + 1));
  }
  yield ']}';
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const mb = Number(url.searchParams.get('mb') || 1);
  if (url.pathname === '/export-bytes') {
    let bytes = 0;
    for (const text of bodyPieces(mb)) bytes += Buffer.byteLength(text);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ bytes, rows: rowCountFor(mb) }));
    return;
  }
  if (url.pathname !== '/export') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  for (const text of bodyPieces(mb)) {
    if (res.destroyed) return;
    if (!res.write(text)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
});
server.listen(0, '127.0.0.1', () => process.send({ url: `http://127.0.0.1:${server.address().port}` }));
process.on('disconnect', () => process.exit(0));
