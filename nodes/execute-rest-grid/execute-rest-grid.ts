/**
 * `execute-rest-grid`: runs a request (and its further pages) and emits rows: all in one
 * message, or (`split`) in messages of `batchSize` rows sent while the response still arrives.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { RequestSpec } from '../../lib/http/rest-client';
import type { RestResponse } from '../../lib/http/rest-response';
import { gridDefaults } from '../../lib/definitions';
import { RestError, isRestError } from '../../lib/errors';
import type { RowTable } from '../../lib/extract/row-table';
import { RowExtractor } from '../../lib/extract/row-extractor';
import { collectRows } from '../../lib/paging/collect-rows';
import { pages } from '../../lib/paging/pages';
import { PagingPlan, type PageRequest } from '../../lib/paging/paging-plan';
import { batchRows } from '../../lib/stream/batch-rows';
import { canStream, streamPages } from '../../lib/stream/stream-pages';
import type { GridProperties } from '../../lib/types';
import { addResponseDetails } from '../shared/response-details';
import { setupQueryNode, showConfigError, type QueryContext } from '../shared/setup-query-node';
import { envLookup } from '../shared/env';
import { readSettings } from '../shared/read-settings';
import type { Message } from '../shared/message';
import { RowMessages } from './row-messages';
import { translator, type Translate } from '../shared/translate';

export = function registerExecuteRestGrid(RED: NodeAPI): void {
  const _ = translator(RED, 'execute-rest-grid');
  function ExecuteRestGrid(this: Node, config: NodeDef & Partial<GridProperties>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const props = readSettings(gridDefaults, config, envLookup(RED, node));
    const outputProperty = props.outputProperty || 'payload';
    let compiled: { extractor: RowExtractor; plan: PagingPlan } | RestError;
    try {
      checkBatchSize(props.batchSize, _);
      compiled = { extractor: new RowExtractor(props), plan: new PagingPlan(props) };
    } catch (err) {
      // Reported on each message (so a catch node sees it) and in the status now.
      compiled = isRestError(err) ? err : new RestError('ERR_CONFIG', String(err));
    }

    setupQueryNode(RED, node, props, async ({ client, request, msg, send }: QueryContext) => {
      if (compiled instanceof RestError) throw compiled;
      const { plan } = compiled;
      const table = compiled.extractor.table();
      const warn = (text: string) => node.warn(text);
      const columnNames = () => (props.format === 'arrays' ? table.columnNames() : undefined);
      if (props.split) {
        const rowMessages = new RowMessages(RED, msg, outputProperty, client, props.batchSize);
        const chunks = splitSource(table, plan, request, client, warn);
        let sent = { rows: 0, messages: 0 };
        let last: { statusCode: number } | undefined;
        try {
          for await (const batch of batchRows(chunks, props.batchSize)) {
            send(rowMessages.build(batch, batch.last ? columnNames() : undefined));
            sent = { rows: batch.rowsBefore + batch.rows.length, messages: batch.index + 1 };
            last = batch.response;
            // Lets the messages just sent (and everything else) run before the next batch is parsed.
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        } catch (err) {
          throw afterRowsSent(err, sent, msg, _);
        }
        return statusText(last?.statusCode, sent.rows, _);
      }
      const fetchPage = (page: PageRequest) => client.request(pageRequest(request, page));
      const collected = await collectRows(pages(plan, fetchPage, table, warn));
      const last = collected.lastResponse as RestResponse | undefined;
      if (last) addResponseDetails(msg, last, client);
      msg.rowCount = collected.rows.length;
      const columns = columnNames();
      if (columns) msg.columns = columns;
      RED.util.setMessageProperty(msg, outputProperty, collected.rows, true);
      send(msg);
      return statusText(last?.statusCode, collected.rows.length, _);
    });
    if (compiled instanceof RestError) showConfigError(node, compiled);
  }
  RED.nodes.registerType('execute-rest-grid', ExecuteRestGrid);
};

/**
 * The rows of `split` as they arrive: read from the response stream when rowsPath allows it, else
 * from each page parsed whole (filters, recursive descent: see the help).
 */
function splitSource(
  table: RowTable,
  plan: PagingPlan,
  request: RequestSpec,
  client: QueryContext['client'],
  warn: (text: string) => void,
): AsyncIterable<{ rows: unknown[]; response: { statusCode: number; headers: RestResponse['headers']; url: string } }> {
  if (canStream(table)) {
    return streamPages(plan, (page) => client.requestStream(pageRequest(request, page)), table, warn);
  }
  return pages(plan, (page) => client.request(pageRequest(request, page)), table, warn) as AsyncIterable<{
    rows: unknown[];
    response: RestResponse;
  }>;
}

function statusText(statusCode: number | undefined, rowCount: number, _: Translate): string {
  const status = statusCode ?? '';
  return rowCount === 1
    ? _('execute-rest-grid.status.oneRow', { status })
    : _('execute-rest-grid.status.rows', { status, count: rowCount });
}

/** A failure after some rows went out: the error says how many, and so does msg.rowCount. */
function afterRowsSent(err: unknown, sent: { rows: number; messages: number }, msg: Message, _: Translate): unknown {
  if (sent.messages === 0 || !isRestError(err)) return err;
  msg.rowCount = sent.rows;
  const rows =
    sent.rows === 1 ? _('execute-rest-grid.message.oneRow') : _('execute-rest-grid.message.rows', { count: sent.rows });
  const messages =
    sent.messages === 1
      ? _('execute-rest-grid.message.sentOneMessage')
      : _('execute-rest-grid.message.sentMessages', { count: sent.messages });
  return new RestError(
    err.code,
    _('execute-rest-grid.message.rowsSentBeforeFailure', { message: err.message, rows, messages }),
    { ...err, cause: err },
  );
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
