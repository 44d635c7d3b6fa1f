/**
 * The pages of a grid request, for every `paging` mode of execute-rest-grid. Independent of
 * the HTTP client: the caller gives a `fetchPage` function, paging decides what to ask for
 * next and when to stop (empty page, no next link or cursor, short page, maxPages, and a
 * page identical to the previous one, so an API that ignores the page parameter cannot loop).
 */
import { createHash } from 'node:crypto';
import { Quote, RestError, quoting } from '../errors';
import { resolveOnOrigin } from '../http/same-origin';
import { PagingPlan, type PageRequest, type PageResponse, type PagingOptions, type ParsedPage } from './paging-plan';

/** Turns one page's document into rows: a RowExtractor, or a RowTable for one message. */
export interface RowSource {
  extract(doc: unknown): unknown[];
}

export interface Page {
  rows: unknown[];
  /** 1-based page number. */
  page: number;
  response: PageResponse;
}

export type FetchPage = (request: PageRequest, pageNumber: number) => Promise<PageResponse>;

/**
 * Fetches and yields the pages one by one, as they arrive. An error on page N is rethrown as a
 * RestError with `page` N, "page N" in its message and its original code.
 */
export async function* pages(
  planOrOptions: PagingPlan | PagingOptions,
  fetchPage: FetchPage,
  rows: RowSource,
  warn: (message: string) => void,
): AsyncGenerator<Page> {
  const plan = planOrOptions instanceof PagingPlan ? planOrOptions : new PagingPlan(planOrOptions);
  let request: PageRequest | undefined = plan.firstRequest();
  let previousHash: string | undefined;
  let origin: string | undefined;
  let rowsSoFar = 0;
  for (let pageNumber = 1; request; pageNumber++) {
    const current: ParsedPage = await onPage(plan, pageNumber, async () => {
      if (request!.link && origin) checkOrigin(request!.link, origin);
      const response = await fetchPage(request!, pageNumber);
      return { response, doc: response.json(), rows: [] as unknown[] };
    });
    origin ??= originOf(current.response.url);

    if (plan.mode !== 'none') {
      const hash = createHash('sha256').update(current.response.body).digest('hex');
      if (hash === previousHash) {
        warn(
          `page ${pageNumber} is identical to page ${pageNumber - 1}: the API seems to ignore the paging ` +
            `settings; stopped after ${pageNumber - 1} pages`,
        );
        return;
      }
      previousHash = hash;
    }

    current.rows = await onPage(plan, pageNumber, () => rows.extract(current.doc));
    rowsSoFar += current.rows.length;
    const next = await onPage(plan, pageNumber, () => plan.nextRequest(current, pageNumber, rowsSoFar));
    yield { rows: current.rows, page: pageNumber, response: current.response };

    if (next && pageNumber >= plan.maxPages) {
      warn(`stopped after ${plan.maxPages} pages (maxPages): more data is available, the result is cut`);
      return;
    }
    if (next?.link && isSameLink(next.link, current.response.url)) {
      warn(`page ${pageNumber} links to itself as the next page; stopped after ${pageNumber} pages`);
      return;
    }
    request = next;
  }
}

/** Runs one step of page N; a failure becomes a RestError that names the page. */
export async function onPage<T>(plan: PagingPlan, pageNumber: number, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (plan.mode === 'none') throw err;
    throw onPageError(err, pageNumber);
  }
}

export function onPageError(err: unknown, pageNumber: number): RestError {
  const message = `page ${pageNumber}: ${err instanceof Error ? err.message : String(err)}`;
  if (err instanceof RestError) {
    return new RestError(err.code, message, {
      statusCode: err.statusCode,
      headers: err.headers,
      responseBody: err.responseBody,
      responseUrl: err.responseUrl,
      page: pageNumber,
      cause: err,
    });
  }
  return new RestError('ERR_NETWORK', message, { page: pageNumber, cause: err });
}

/** The origin of a page's URL; undefined when it is not a URL. */
export function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Refuses a next link to another origin (the client refuses it too; this keeps paging safe alone). */
export function checkOrigin(link: { href: string; base: string }, origin: string): void {
  resolveOnOrigin(
    link.href,
    link.base,
    origin,
    'the next page link',
    () => new RestError('ERR_VALUE', quoting`the next page link ${new Quote(link.href, 200)} is not a valid URL`),
  );
}

/** Whether a next link points at the page it came from. */
export function isSameLink(link: { href: string; base: string }, currentUrl: string): boolean {
  try {
    return new URL(link.href, link.base).href === new URL(currentUrl).href;
  } catch {
    return false;
  }
}
