/** Rows of all pages in one array, for the grid node without `split`. */
import type { Page } from './pages';

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
