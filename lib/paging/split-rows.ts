/**
 * Rows of all pages, for the grid node: one array (`collectRows`), or one row at a time as the
 * pages arrive (`splitRows`, for `split: true`). A split message needs `msg.parts.count` on the
 * last row, but whether a row is the last is only known once the next page turns out to be
 * absent or empty; so each row is held back until the following row (or the end) is known.
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

export interface CollectedRows {
  rows: unknown[];
  /** Number of pages fetched. */
  pages: number;
  /** The last page's response (its status, headers and URL go on the output message). */
  lastResponse: Page['response'] | undefined;
}

export async function collectRows(pages: AsyncIterable<Page>): Promise<CollectedRows> {
  const rows: unknown[] = [];
  let count = 0;
  let lastResponse: Page['response'] | undefined;
  for await (const page of pages) {
    // A loop rather than push(...rows): a spread of 100,000 items overflows the call stack.
    for (let i = 0; i < page.rows.length; i++) rows.push(page.rows[i]);
    count = page.page;
    lastResponse = page.response;
  }
  return { rows, pages: count, lastResponse };
}
