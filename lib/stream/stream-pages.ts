/**
 * The rows of every page of a grid request as each response streams in: lib/paging/pages.ts for
 * bodies that are never held whole. Paging decides the next request from what is left of a page
 * once its rows are taken out (nextPath, headers, the row count), and stops on the same
 * conditions. A page identical to the previous one (an API that ignores the paging parameters)
 * is recognised while its first MB is held back, so its rows are not sent twice.
 */
import { createHash } from 'node:crypto';
import type { StreamedResponse } from '../http/streamed-response';
import type { RowTable } from '../extract/row-table';
import { checkOrigin, isSameLink, onPage, originOf } from '../paging/pages';
import { PagingPlan, type PageRequest } from '../paging/paging-plan';
import { JsonStreamError } from './json-row-scanner';
import { StreamedRows } from './streamed-rows';

/** Rows of one page that arrived together (one chunk's worth or less). */
export interface RowChunk {
  rows: unknown[];
  /** 1-based page number. */
  page: number;
  response: StreamedResponse;
}

export type FetchStream = (request: PageRequest, pageNumber: number) => Promise<StreamedResponse>;

/** How much of a page is compared with the previous page's start before its rows go out. */
const REPEAT_CHECK_BYTES = 1024 * 1024;

/** True when `table`'s rowsPath can be followed on the stream (else: whole-body pages). */
export function canStream(table: RowTable): boolean {
  return table.path.streamSteps !== undefined;
}

export async function* streamPages(
  plan: PagingPlan,
  fetchStream: FetchStream,
  table: RowTable,
  warn: (message: string) => void,
): AsyncGenerator<RowChunk> {
  let request: PageRequest | undefined = plan.firstRequest();
  let previous: { head: Buffer; hash: string } | undefined;
  let origin: string | undefined;
  let rowsSoFar = 0;
  for (let pageNumber = 1; request; pageNumber++) {
    const current: PageRequest = request;
    const step = <T>(run: () => Promise<T> | T): Promise<T> => onPage(plan, pageNumber, run);
    const response = await step(() => {
      if (current.link && origin) checkOrigin(current.link, origin);
      return fetchStream(current, pageNumber);
    });
    origin ??= originOf(response.url);
    const reader = StreamedRows.of(table);
    if (!reader) throw new Error('streamPages needs a rowsPath that streams (canStream)');
    // Only paging compares pages: without it, no hash of every byte.
    const paging = plan.mode !== 'none';
    const hash = paging ? createHash('sha256') : undefined;
    const head: Buffer[] = [];
    let headBytes = 0;
    // Rows held while this page still looks like the previous one.
    let held: unknown[] | undefined = previous && paging ? [] : undefined;
    let pageRows = 0;
    const chunks = response.chunks();
    let doc: unknown;
    let last: unknown[] = [];
    try {
      for (;;) {
        const next = await step(() => chunks.next());
        if (next.done) break;
        const chunk = next.value;
        hash?.update(chunk);
        if (paging && headBytes < REPEAT_CHECK_BYTES) {
          head.push(chunk);
          headBytes += chunk.length;
        }
        const rows = await step(() => readRows(response, () => reader.write(chunk)));
        pageRows += rows.length;
        if (held && !sameStart(previous!.head, head, headBytes)) {
          const release = held.concat(rows);
          held = undefined;
          if (release.length > 0) yield { rows: release, page: pageNumber, response };
        } else if (held && headBytes < REPEAT_CHECK_BYTES) {
          for (const row of rows) held.push(row);
        } else {
          const release = held ? held.concat(rows) : rows;
          held = undefined;
          if (release.length > 0) yield { rows: release, page: pageNumber, response };
        }
      }
      ({ rows: last, doc } = await step(() => readRows(response, () => reader.end())));
    } finally {
      await chunks.return(undefined);
    }
    pageRows += last.length;
    const digest = hash?.digest('hex') ?? '';
    if (previous && paging && digest === previous.hash) {
      warn(
        `page ${pageNumber} is identical to page ${pageNumber - 1}: the API seems to ignore the paging ` +
          `settings; stopped after ${pageNumber - 1} pages` +
          (held ? '' : ' (its rows were sent again: only its first MB is held back for this check)'),
      );
      return;
    }
    const rest = held ? held.concat(last) : last;
    if (rest.length > 0) yield { rows: rest, page: pageNumber, response };
    previous = { head: Buffer.concat(head), hash: digest };

    rowsSoFar += pageRows;
    const pageResponse = { url: response.url, headers: response.headers, body: response.body, json: () => doc };
    const parsed = { response: pageResponse, doc, rows: [] as unknown[], rowCount: pageRows };
    const nextRequest = await step(() => plan.nextRequest(parsed, pageNumber, rowsSoFar));
    if (nextRequest && pageNumber >= plan.maxPages) {
      warn(`stopped after ${plan.maxPages} pages (maxPages): more data is available, the result is cut`);
      return;
    }
    if (nextRequest?.link && isSameLink(nextRequest.link, response.url)) {
      warn(`page ${pageNumber} links to itself as the next page; stopped after ${pageNumber} pages`);
      return;
    }
    request = nextRequest;
  }
}

/** A body found not to be JSON becomes ERR_NOT_JSON with the response's details. */
function readRows<T>(response: StreamedResponse, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof JsonStreamError) throw response.notJson(err.message);
    throw err;
  }
}

/** Whether the bytes of this page so far equal the previous page's at the same place. */
function sameStart(previousHead: Buffer, head: Buffer[], headBytes: number): boolean {
  if (headBytes > previousHead.length) return false;
  let at = 0;
  for (const part of head) {
    if (!part.equals(previousHead.subarray(at, at + part.length))) return false;
    at += part.length;
  }
  return true;
}
