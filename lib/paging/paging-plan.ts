/**
 * The paging settings of a grid node, checked once when the node is built, and what to ask for
 * next: the first request, then the request after each page (or none: the last page was reached).
 */
import { Quote, RestError, quoting } from '../errors';
import { CompiledPath, isFound } from '../extract/compiled-path';
import type { GridProperties, PagingMode } from '../types';
import { nextLinkFromHeader } from './parse-link-header';
import { setOwn } from '../set-own';

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
    const mode = options.paging || 'none';
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
    if (this.sendsPageSize) setOwn(query, this.pageSizeParam, this.pageSize);
    if (this.mode === 'offset') setOwn(query, this.pageParam, 0);
    if (this.mode === 'page') setOwn(query, this.pageParam, 1);
    return { query };
  }

  /**
   * The request for the page after `current`, or undefined when `current` was the last one.
   * `rowsSoFar` counts the rows of all pages so far: the next offset.
   */
  nextRequest(current: ParsedPage, pageNumber: number, rowsSoFar: number): PageRequest | undefined {
    const rowCount = current.rowCount ?? current.rows.length;
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
        if (this.sendsPageSize) setOwn(query, this.pageSizeParam, this.pageSize);
        setOwn(query, this.pageParam, cursor);
        return { query };
      }
      case 'offset':
      case 'page':
        if (this.sendsPageSize && rowCount < this.pageSize) return undefined;
        if (this.sendsPageSize) setOwn(query, this.pageSizeParam, this.pageSize);
        setOwn(query, this.pageParam, this.mode === 'offset' ? rowsSoFar : pageNumber + 1);
        return { query };
    }
  }
}

/** A fetched page as the plan looks at it: the response, its parsed document and its rows. */
export interface ParsedPage {
  doc: unknown;
  rows: unknown[];
  /** The page's row count when `rows` is not kept (a streamed page); else rows.length. */
  rowCount?: number;
  response: PageResponse;
}

/** The next link from the body: a non-empty string, or undefined (no more pages). */
function linkFromBody(nextPath: CompiledPath, doc: unknown): string | undefined {
  const value = nextPath.first(doc);
  if (!isFound(value) || value === null || value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new RestError('ERR_VALUE', quoting`nextPath ${nextPath.source} gave ${new Quote(value)}, not a link`);
  }
  return value.trim() === '' ? undefined : value.trim();
}

function cursorFromBody(nextPath: CompiledPath, doc: unknown): string | undefined {
  const value = nextPath.first(doc);
  if (!isFound(value) || value === null || value === undefined || value === '' || value === false) return undefined;
  if (typeof value === 'object') {
    throw new RestError('ERR_VALUE', quoting`nextPath ${nextPath.source} gave ${new Quote(value)}, not a cursor`);
  }
  // What is left of a JSON document: a string, a number or true.
  return typeof value === 'string' ? value : JSON.stringify(value);
}
