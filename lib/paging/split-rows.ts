/**
 * Rows of all pages one at a time, as the pages arrive, for the grid node with `split: true`. A
 * split message needs `msg.parts.count` on the last row, but whether a row is the last is only
 * known once the next page turns out to be absent or empty; so each row is held back until the
 * following row (or the end) is known.
 */
import type { Page } from './pages';

export interface SplitRow {
  row: unknown;
  /** 0-based position over all pages (`msg.parts.index`). */
  index: number;
  /** True on the last row of all pages: the row that carries `msg.parts.count` (= index + 1). */
  last: boolean;
  /** The page the row came from (1-based). */
  page: number;
  /** The response of that page (status and headers for the output message). */
  response: Page['response'];
}

export async function* splitRows(pages: AsyncIterable<Page>): AsyncGenerator<SplitRow> {
  let held: Omit<SplitRow, 'last'> | undefined;
  let index = 0;
  for await (const page of pages) {
    for (const row of page.rows) {
      if (held) yield { ...held, last: false };
      held = { row, index: index++, page: page.page, response: page.response };
    }
  }
  if (held) yield { ...held, last: true };
}
