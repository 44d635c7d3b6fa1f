/**
 * The rows of a grid request, as execute-rest-grid and the edit dialog's Preview both get them:
 * the node's settings compiled once (rowsPath, columns, format, paging), the request of each
 * page, and the pages with their rows, parsed whole or (`split`) streamed as they arrive.
 */
import type { RequestSpec, RestClient } from '../../lib/http/rest-client';
import type { RestResponse } from '../../lib/http/rest-response';
import { RestError, isRestError } from '../../lib/errors';
import { RowExtractor } from '../../lib/extract/row-extractor';
import type { RowTable } from '../../lib/extract/row-table';
import { pages, type Page } from '../../lib/paging/pages';
import { PagingPlan, type PageRequest } from '../../lib/paging/paging-plan';
import { canStream, streamPages } from '../../lib/stream/stream-pages';
import type { GridProperties } from '../../lib/types';
import type { Translate } from './translate';

export interface CompiledGrid {
  extractor: RowExtractor;
  plan: PagingPlan;
}

/** The node's row and paging settings, checked and compiled; a setting that cannot work is a RestError (ERR_CONFIG, ERR_JSONPATH). */
export function compileGrid(props: GridProperties, _: Translate): CompiledGrid | RestError {
  try {
    checkBatchSize(props.batchSize, _);
    return { extractor: new RowExtractor(props), plan: new PagingPlan(props) };
  } catch (err) {
    return isRestError(err) ? err : new RestError('ERR_CONFIG', String(err));
  }
}

/** The pages of one message's request, each parsed whole, with the rows `table` picks from it. */
export function gridPages(
  client: RestClient,
  request: RequestSpec,
  plan: PagingPlan,
  table: RowTable,
  warn: (text: string) => void,
): AsyncGenerator<Page> {
  return pages(plan, (page) => client.request(pageRequest(request, page)), table, warn);
}

/**
 * The rows of `split` as they arrive: read from the response stream when rowsPath allows it, else
 * from each page parsed whole (filters, recursive descent: see the help).
 */
export function splitSource(
  table: RowTable,
  plan: PagingPlan,
  request: RequestSpec,
  client: RestClient,
  warn: (text: string) => void,
): AsyncIterable<{ rows: unknown[]; response: { statusCode: number; headers: RestResponse['headers']; url: string } }> {
  if (canStream(table)) {
    return streamPages(plan, (page) => client.requestStream(pageRequest(request, page)), table, warn);
  }
  return gridPages(client, request, plan, table, warn) as AsyncIterable<{
    rows: unknown[];
    response: RestResponse;
  }>;
}

function checkBatchSize(batchSize: number, _: Translate): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RestError('ERR_CONFIG', _('execute-rest-grid.message.batchSize', { value: JSON.stringify(batchSize) }));
  }
}

/** The first page is the node's request; later pages follow a link or change paging parameters. */
function pageRequest(request: RequestSpec, page: PageRequest): RequestSpec {
  if (page.link) return { ...request, path: undefined, link: page.link, query: page.query };
  return { ...request, query: { ...request.query, ...page.query } };
}
