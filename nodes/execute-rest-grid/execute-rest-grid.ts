/**
 * `execute-rest-grid`: runs a request (and its further pages) and emits rows: all in one
 * message, or one message per row (`split`) sent as each page arrives.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { RequestSpec } from '../../lib/http/rest-client';
import type { RestResponse } from '../../lib/http/rest-response';
import { gridDefaults } from '../../lib/definitions';
import { RestError, isRestError } from '../../lib/errors';
import { RowExtractor } from '../../lib/extract/row-extractor';
import { collectRows } from '../../lib/paging/collect-rows';
import { pages } from '../../lib/paging/pages';
import { PagingPlan, type PageRequest } from '../../lib/paging/paging-plan';
import { splitRows } from '../../lib/paging/split-rows';
import type { GridProperties } from '../../lib/types';
import { addResponseDetails } from '../shared/response-details';
import { setupQueryNode, showConfigError, type QueryContext } from '../shared/setup-query-node';
import { envLookup } from '../shared/env';
import { readSettings } from '../shared/read-settings';
import { RowMessages } from './row-messages';

export = function registerExecuteRestGrid(RED: NodeAPI): void {
  function ExecuteRestGrid(this: Node, config: NodeDef & Partial<GridProperties>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const props = readSettings(gridDefaults, config, envLookup(RED, node));
    const outputProperty = props.outputProperty || 'payload';
    let compiled: { extractor: RowExtractor; plan: PagingPlan } | RestError;
    try {
      compiled = { extractor: new RowExtractor(props), plan: new PagingPlan(props) };
    } catch (err) {
      // Reported on each message (so a catch node sees it) and in the status now.
      compiled = isRestError(err) ? err : new RestError('ERR_CONFIG', String(err));
    }

    setupQueryNode(RED, node, props, async ({ client, request, msg, send }: QueryContext) => {
      if (compiled instanceof RestError) throw compiled;
      const table = compiled.extractor.table();
      const fetchPage = (page: PageRequest) => client.request(pageRequest(request, page));
      const stream = pages(compiled.plan, fetchPage, table, (text) => node.warn(text));
      const columnNames = () => (props.format === 'arrays' ? table.columnNames() : undefined);
      // fetchPage returns the client's RestResponse; paging only needs part of it.
      let last: RestResponse | undefined;
      let rowCount = 0;
      if (props.split) {
        const rowMessages = new RowMessages(RED, msg, outputProperty, client);
        for await (const item of splitRows(stream)) {
          send(rowMessages.build(item, item.last ? columnNames() : undefined));
          last = item.response as RestResponse;
          rowCount = item.index + 1;
        }
      } else {
        const collected = await collectRows(stream);
        last = collected.lastResponse as RestResponse | undefined;
        rowCount = collected.rows.length;
        if (last) addResponseDetails(msg, last, client);
        msg.rowCount = rowCount;
        const columns = columnNames();
        if (columns) msg.columns = columns;
        RED.util.setMessageProperty(msg, outputProperty, collected.rows, true);
        send(msg);
      }
      return `${last?.statusCode ?? ''} · ${rowCount} row${rowCount === 1 ? '' : 's'}`;
    });
    if (compiled instanceof RestError) showConfigError(node, compiled);
  }
  RED.nodes.registerType('execute-rest-grid', ExecuteRestGrid);
};

/** The first page is the node's request; later pages follow a link or change paging parameters. */
function pageRequest(request: RequestSpec, page: PageRequest): RequestSpec {
  if (page.link) return { ...request, path: undefined, link: page.link, query: page.query };
  return { ...request, query: { ...request.query, ...page.query } };
}
