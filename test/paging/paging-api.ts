/**
 * A loopback API with one endpoint per paging style, and a way to page through it with lib/paging
 * and a fetchPage over Node's fetch shaped like the client's (links resolve against their base).
 */
import type http from 'node:http';
import { gridDefaults } from '../../lib/definitions';
import { RestError } from '../../lib/errors';
import { RowExtractor } from '../../lib/extract/row-extractor';
import { pages, type FetchPage, type Page } from '../../lib/paging/pages';
import { PagingPlan, type PagingOptions } from '../../lib/paging/paging-plan';
import { json, startServer, type LoopbackServer } from '../support/loopback-server';

export interface Item {
  id: number;
}

export const ITEMS: Item[] = Array.from({ length: 25 }, (_, i) => ({ id: i + 1 }));
export const ALL_IDS = ITEMS.map((item) => item.id);
export const ids = (rows: unknown[]): number[] => rows.map((row) => (row as Item).id);

type Answer = (res: http.ServerResponse, q: URLSearchParams, host: string, headers: http.IncomingHttpHeaders) => void;

const num = (q: URLSearchParams, name: string, fallback: number) => (q.has(name) ? Number(q.get(name)) : fallback);

/** The endpoints, one per paging style and fault. */
const ENDPOINTS: Record<string, Answer> = {
  // Page size defaults to 10 when the client sends none.
  '/offset': (res, q) => json(res, 200, ITEMS.slice(num(q, 'offset', 0), num(q, 'offset', 0) + num(q, 'limit', 10))),
  '/page': (res, q) => {
    const size = num(q, 'size', 10);
    const page = num(q, 'page', 1);
    json(res, 200, { data: ITEMS.slice((page - 1) * size, page * size), page });
  },
  '/v1/next': (res, q) => {
    const start = num(q, 'start', 0);
    const size = num(q, 'size', 10);
    const end = start + size;
    // Relative links of several shapes: query-only, dot-segment, absolute path.
    const shapes = [
      `?start=${end}&size=${size}`,
      `../v1/next?start=${end}&size=${size}`,
      `/v1/next?start=${end}&size=${size}`,
    ];
    const next = end < ITEMS.length ? shapes[(start / size) % shapes.length] : null;
    json(res, 200, { items: ITEMS.slice(start, end), links: { next } });
  },
  '/absolute-next': (res, q, host) => {
    const end = num(q, 'start', 0) + 10;
    const next = end < ITEMS.length ? `http://${host}/absolute-next?start=${end}` : '';
    json(res, 200, { items: ITEMS.slice(end - 10, end), next });
  },
  '/linked': (res, q) => {
    const p = num(q, 'p', 1);
    const last = Math.ceil(ITEMS.length / 10);
    const links = [`</linked?p=1>; rel="first"`, `</linked?p=${last}>; rel="last"`];
    if (p > 1) links.push(`</linked?p=${p - 1}>; rel="prev"`);
    // The next link shares a rel list with another relation, and comes after others.
    if (p < last) links.push(`<linked?p=${p + 1}&a=1,2>; title="next, please"; rel="next nofollow"`);
    json(res, 200, ITEMS.slice((p - 1) * 10, p * 10), { link: links.join(', ') });
  },
  '/cursor': (res, q) => {
    const cursor = q.get('cursor');
    const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : 0;
    const end = start + num(q, 'limit', 10);
    const next = end < ITEMS.length ? Buffer.from(String(end)).toString('base64url') : null;
    json(res, 200, { results: ITEMS.slice(start, end), meta: { next_cursor: next } });
  },
  '/ignores-paging': (res) => json(res, 200, ITEMS.slice(0, 10)),
  '/self-link': (res) => json(res, 200, { items: ITEMS.slice(0, 10), next: '/self-link' }),
  '/endless': (res, q) => json(res, 200, { data: [{ id: num(q, 'page', 1) }] }),
  '/fails-on-3': (res, q) => {
    const page = num(q, 'page', 1);
    if (page !== 3) return json(res, 200, ITEMS.slice((page - 1) * 10, page * 10));
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"error":"database down"}');
  },
  '/not-json-on-2': (res, q) => {
    if (num(q, 'page', 1) !== 2) return json(res, 200, ITEMS.slice(0, 10));
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>maintenance</html>');
  },
  '/bad-next': (res) => json(res, 200, { items: [{ id: 1 }], next: { href: '/x' } }),
  '/cross-origin': (res, _q, _host, headers) =>
    json(res, 200, { items: ITEMS.slice(0, 10), next: `${String(headers['x-other-origin'])}/offset` }),
};

export function startPagingApi(): Promise<LoopbackServer> {
  return startServer({
    handler: (req, res, received) => {
      const answer = ENDPOINTS[received.path];
      if (!answer) return json(res, 404, {});
      answer(res, new URLSearchParams(received.query), req.headers.host ?? '', req.headers);
    },
  });
}

export interface Requested {
  page: number;
  url: string;
}

/** A fetchPage over Node's fetch, shaped like the client: links resolve against their base. */
export function fetcher(baseUrl: string, path: string, headers: Record<string, string> = {}) {
  const requested: Requested[] = [];
  const fetchPage: FetchPage = async (request, pageNumber) => {
    const url = request.link ? new URL(request.link.href, request.link.base) : new URL(path, baseUrl);
    for (const [name, value] of Object.entries(request.query)) url.searchParams.set(name, String(value));
    requested.push({ page: pageNumber, url: url.href });
    const res = await fetch(url, { headers });
    const body = Buffer.from(await res.arrayBuffer());
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((value, name) => (responseHeaders[name] = value));
    if (res.status >= 400) {
      throw new RestError('ERR_HTTP_STATUS', `HTTP ${res.status} from ${url.pathname}`, {
        statusCode: res.status,
        headers: responseHeaders,
        responseBody: body.toString(),
      });
    }
    return {
      url: res.url,
      headers: responseHeaders,
      body,
      json(): unknown {
        try {
          return JSON.parse(body.toString());
        } catch {
          throw new RestError('ERR_NOT_JSON', `the response of ${url.pathname} is not JSON`);
        }
      },
    };
  };
  return { fetchPage, requested };
}

/** A plan from the grid node's documented defaults with `options` on top. */
export const planOf = (options: Partial<PagingOptions>): PagingPlan => new PagingPlan({ ...gridDefaults, ...options });

export interface PagedResult {
  pages: Page[];
  rows: unknown[];
  warnings: string[];
  requested: Requested[];
}

/** Pages through `path` of the API and gathers what paging did. */
export async function run(
  baseUrl: string,
  path: string,
  paging: Partial<PagingOptions>,
  rowsPath = '$',
  headers?: Record<string, string>,
): Promise<PagedResult> {
  const { fetchPage, requested } = fetcher(baseUrl, path, headers);
  const warnings: string[] = [];
  const extractor = new RowExtractor({ rowsPath, columns: [], format: 'objects' });
  const got: Page[] = [];
  for await (const page of pages(planOf(paging), fetchPage, extractor.table(), (text) => warnings.push(text)))
    got.push(page);
  return { pages: got, rows: got.flatMap((page) => page.rows), warnings, requested };
}

/** The RestError paging ended with. */
export async function runError(
  baseUrl: string,
  path: string,
  paging: Partial<PagingOptions>,
  rowsPath = '$',
  headers?: Record<string, string>,
): Promise<RestError> {
  try {
    await run(baseUrl, path, paging, rowsPath, headers);
  } catch (err) {
    if (err instanceof RestError) return err;
    throw err;
  }
  throw new Error('paging should have failed');
}
