/**
 * Rows out of pages (lib/paging/split-rows.ts, collect-rows.ts): with split, rows go out page by
 * page and only the very last row is marked last; without, every page is gathered.
 */
import assert from 'node:assert/strict';
import { RowExtractor } from '../../lib/extract/row-extractor';
import { collectRows } from '../../lib/paging/collect-rows';
import { pages, type Page } from '../../lib/paging/pages';
import { splitRows, type SplitRow } from '../../lib/paging/split-rows';
import type { LoopbackServer } from '../support/loopback-server';
import { ALL_IDS, fetcher, ids, planOf, startPagingApi } from './paging-api';

describe('paging: split and collected rows', () => {
  let api: LoopbackServer;
  before(async () => {
    api = await startPagingApi();
  });
  after(() => api.close());

  it('split: rows arrive page by page and only the very last row is marked last', async () => {
    const { fetchPage, requested } = fetcher(api.url, '/offset');
    const plan = planOf({ paging: 'offset', pageParam: 'offset', pageSizeParam: 'limit', pageSize: 10 });
    const extractor = new RowExtractor({ rowsPath: '$', columns: [], format: 'objects' });
    const seen: SplitRow[] = [];
    const requestsWhenSeen: number[] = [];
    for await (const item of splitRows(pages(plan, fetchPage, extractor, () => {}))) {
      seen.push(item);
      requestsWhenSeen.push(requested.length);
    }
    // Rows 1-9 go out before page 2 is asked for; row 10 waits until page 2 shows it is not the last.
    assert.deepEqual(requestsWhenSeen.slice(0, 9), Array(9).fill(1));
    assert.equal(requestsWhenSeen[9], 2);
    assert.deepEqual(ids(seen.map((s) => s.row)), ALL_IDS);
    assert.deepEqual(
      seen.map((s) => s.index),
      ALL_IDS.map((id) => id - 1),
    );
    assert.deepEqual(
      seen.filter((s) => s.last).map((s) => s.index),
      [24],
    );
    assert.equal(seen[24]?.page, 3);
  });

  it('split: when the last page is empty, the last row of the page before is last', async () => {
    const { fetchPage } = fetcher(api.url, '/offset');
    const plan = planOf({ paging: 'offset', pageParam: 'offset', pageSizeParam: 'limit', pageSize: 5 });
    const seen: SplitRow[] = [];
    for await (const item of splitRows(
      pages(plan, fetchPage, new RowExtractor({ rowsPath: '$', columns: [], format: 'objects' }), () => {}),
    ))
      seen.push(item);
    assert.equal(seen.length, 25);
    assert.equal(seen.at(-1)?.last, true);
    assert.equal(seen.at(-1)?.page, 5);
    assert.equal(seen.filter((s) => s.last).length, 1);
  });

  it('split: no rows at all yields nothing', async () => {
    async function* none(): AsyncGenerator<Page> {}
    const seen: SplitRow[] = [];
    for await (const item of splitRows(none())) seen.push(item);
    assert.deepEqual(seen, []);
  });

  it('collectRows gathers every page and counts pages', async () => {
    const { fetchPage } = fetcher(api.url, '/page');
    const plan = planOf({ paging: 'page', pageParam: 'page', pageSizeParam: 'size', pageSize: 10 });
    const collected = await collectRows(
      pages(plan, fetchPage, new RowExtractor({ rowsPath: '$.data', columns: [], format: 'objects' }), () => {}),
    );
    assert.deepEqual(ids(collected.rows), ALL_IDS);
    assert.equal(collected.pages, 3);
    assert.match(collected.lastResponse?.url ?? '', /page=3/);
  });
});
