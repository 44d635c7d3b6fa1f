/**
 * The pages of a grid request, for every `paging` mode of execute-rest-grid. Independent of
 * the HTTP client: the caller gives a `fetchPage` function, paging decides what to ask for
 * next and when to stop (empty page, no next link or cursor, short page, maxPages, and a
 * page identical to the previous one, so an API that ignores the page parameter cannot loop).
 */
import { createHash } from 'node:crypto';
import { RestError } from '../errors';
import { CompiledPath, isFound } from '../extract/compiled-path';
import type { GridProperties, PagingMode } from '../types';

export type PagingOptions = Pick<
  GridProperties,
  'paging' | 'nextPath' | 'pageParam' | 'pageSizeParam' | 'pageSize' | 'maxPages'
>;

/** What to ask for: a next-page link (resolved RFC 3986 against `base`) and/or query parameters. */
export interface PageRequest {
  link?: { href: string; base: string };
  query: Record<string, string | number>;
}

export interface PageResponse {
  /** The final URL of the page (after redirects): the base of relative next links. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): unknown;
}

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

const MODES: PagingMode[] = ['none', 'nextUrl', 'linkHeader', 'offset', 'page', 'cursor'];

/** Paging settings, checked once when the node is built. */
export class PagingPlan {
  readonly mode: PagingMode;
  readonly maxPages: number;
  readonly pageParam: string;
  readonly pageSizeParam: string;
  readonly pageSize: number;
  readonly nextPath: CompiledPath | undefined;

  constructor(options: PagingOptions) {
    const mode = (options.paging || 'none') as PagingMode;
    if (!MODES.includes(mode)) {
      throw new RestError(
        'ERR_CONFIG',
        `paging must be one of ${MODES.join(', ')}, not ${JSON.stringify(options.paging)}`,
      );
    }
    this.mode = mode;
    this.pageParam = (options.pageParam ?? '').trim();
    this.pageSizeParam = (options.pageSizeParam ?? '').trim();
    this.pageSize = Number(options.pageSize ?? 100);
    this.maxPages = Number(options.maxPages ?? 100);
    if (mode === 'none') return;

    if (!Number.isInteger(this.maxPages) || this.maxPages < 1) {
      throw new RestError(
        'ERR_CONFIG',
        `maxPages must be a whole number of at least 1, not ${JSON.stringify(options.maxPages)}`,
      );
    }
    if (this.pageSizeParam && (!Number.isInteger(this.pageSize) || this.pageSize < 1)) {
      throw new RestError(
        'ERR_CONFIG',
        `pageSize must be a whole number of at least 1, not ${JSON.stringify(options.pageSize)}`,
      );
    }
    if (mode === 'nextUrl' || mode === 'cursor') {
      const nextPath = (options.nextPath ?? '').trim();
      if (!nextPath) {
        const what = mode === 'nextUrl' ? 'the link to the next page' : 'the next cursor';
        throw new RestError('ERR_CONFIG', `paging "${mode}" needs nextPath: the JSONPath of ${what} in the response`);
      }
      this.nextPath = new CompiledPath('nextPath', nextPath);
    }
    if ((mode === 'offset' || mode === 'page' || mode === 'cursor') && !this.pageParam) {
      const what = mode === 'offset' ? 'offset' : mode === 'page' ? 'page number' : 'cursor';
      throw new RestError(
        'ERR_CONFIG',
        `paging "${mode}" needs pageParam: the query parameter that carries the ${what}`,
      );
    }
  }

  /** Whether the node sends the page size (and so may treat a short page as the last one). */
  private get sendsPageSize(): boolean {
    return this.pageSizeParam !== '';
  }

  firstRequest(): PageRequest {
    const query: Record<string, string | number> = {};
    if (this.mode === 'none') return { query };
    if (this.sendsPageSize) query[this.pageSizeParam] = this.pageSize;
    if (this.mode === 'offset') query[this.pageParam] = 0;
    if (this.mode === 'page') query[this.pageParam] = 1;
    return { query };
  }

  /**
   * The request for the page after `current`, or undefined when `current` was the last one.
   * `rowsSoFar` counts the rows of all pages so far: the next offset.
   */
  nextRequest(current: ParsedPage, pageNumber: number, rowsSoFar: number): PageRequest | undefined {
    const rowCount = current.rows.length;
    if (rowCount === 0) return undefined;
    const query: Record<string, string | number> = {};
    switch (this.mode) {
      case 'none':
        return undefined;
      case 'nextUrl': {
        const href = linkFromBody(this.nextPath!, current.doc);
        return href === undefined ? undefined : { link: { href, base: current.response.url }, query };
      }
      case 'linkHeader': {
        const href = nextLinkFromHeader(current.response.headers.link);
        return href === undefined ? undefined : { link: { href, base: current.response.url }, query };
      }
      case 'cursor': {
        const cursor = cursorFromBody(this.nextPath!, current.doc);
        if (cursor === undefined) return undefined;
        if (this.sendsPageSize) query[this.pageSizeParam] = this.pageSize;
        query[this.pageParam] = cursor;
        return { query };
      }
      case 'offset':
      case 'page':
        if (this.sendsPageSize && rowCount < this.pageSize) return undefined;
        if (this.sendsPageSize) query[this.pageSizeParam] = this.pageSize;
        query[this.pageParam] = this.mode === 'offset' ? rowsSoFar : pageNumber + 1;
        return { query };
    }
  }
}

interface ParsedPage {
  doc: unknown;
  rows: unknown[];
  response: PageResponse;
}

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
async function onPage<T>(plan: PagingPlan, pageNumber: number, step: () => T | Promise<T>): Promise<T> {
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

/** The next link from the body: a non-empty string, or undefined (no more pages). */
function linkFromBody(nextPath: CompiledPath, doc: unknown): string | undefined {
  const value = nextPath.first(doc);
  if (!isFound(value) || value === null || value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new RestError(
      'ERR_VALUE',
      `nextPath ${nextPath.source} gave ${JSON.stringify(value).slice(0, 60)}, not a link`,
    );
  }
  return value.trim() === '' ? undefined : value.trim();
}

function cursorFromBody(nextPath: CompiledPath, doc: unknown): string | undefined {
  const value = nextPath.first(doc);
  if (!isFound(value) || value === null || value === undefined || value === '' || value === false) return undefined;
  if (typeof value === 'object') {
    throw new RestError(
      'ERR_VALUE',
      `nextPath ${nextPath.source} gave ${JSON.stringify(value).slice(0, 60)}, not a cursor`,
    );
  }
  return String(value);
}

/**
 * The `rel="next"` target of RFC 8288 Link header(s). Handles several links, rel lists
 * (`rel="next last"`), unquoted rels, and commas or semicolons inside `<...>` or quotes.
 */
export function nextLinkFromHeader(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const values = Array.isArray(header) ? header : [header];
  for (const value of values) {
    for (const link of parseLinkHeader(value)) {
      if (link.rel.includes('next')) return link.href;
    }
  }
  return undefined;
}

export function parseLinkHeader(value: string): { href: string; rel: string[] }[] {
  const links: { href: string; rel: string[] }[] = [];
  let i = 0;
  while (i < value.length) {
    const open = value.indexOf('<', i);
    if (open < 0) break;
    const close = value.indexOf('>', open);
    if (close < 0) break;
    const href = value.slice(open + 1, close).trim();
    i = close + 1;
    const params: Record<string, string> = {};
    // Parameters run until a comma that is outside quotes.
    while (i < value.length) {
      while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
      if (value[i] === ',') {
        i++;
        break;
      }
      if (value[i] !== ';') {
        i++;
        continue;
      }
      i++;
      const nameMatch = /^\s*([^=;,\s]+)\s*/.exec(value.slice(i));
      if (!nameMatch) continue;
      const name = nameMatch[1].toLowerCase();
      i += nameMatch[0].length;
      let paramValue = '';
      if (value[i] === '=') {
        i++;
        while (value[i] === ' ') i++;
        if (value[i] === '"') {
          let j = i + 1;
          while (j < value.length && value[j] !== '"') j += value[j] === '\\' ? 2 : 1;
          paramValue = value.slice(i + 1, j).replace(/\\(.)/g, '$1');
          i = j + 1;
        } else {
          const token = /^[^;,\s]*/.exec(value.slice(i))![0];
          paramValue = token;
          i += token.length;
        }
      }
      // RFC 8288: only the first occurrence of a parameter counts.
      if (!(name in params)) params[name] = paramValue;
    }
    const rel = (params.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    links.push({ href, rel });
  }
  return links;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Refuses a next link to another origin (the client refuses it too; this keeps paging safe alone). */
function checkOrigin(link: { href: string; base: string }, origin: string): void {
  let target: URL;
  try {
    target = new URL(link.href, link.base);
  } catch {
    throw new RestError(
      'ERR_VALUE',
      `the next page link ${JSON.stringify(link.href.slice(0, 200))} is not a valid URL`,
    );
  }
  if (target.origin !== origin) {
    throw new RestError(
      'ERR_ORIGIN',
      `the next page link goes to ${target.origin}, not ${origin}: credentials are only sent to the connection's origin`,
    );
  }
}

function isSameLink(link: { href: string; base: string }, currentUrl: string): boolean {
  try {
    return new URL(link.href, link.base).href === new URL(currentUrl).href;
  } catch {
    return false;
  }
}
