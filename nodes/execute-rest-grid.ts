/**
 * `execute-rest-grid`: runs a request (and its further pages) and emits rows: all in one
 * message, or one message per row (`split`) sent as each page arrives.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { RequestSpec, RestResponse } from '../lib/client';
import { gridDefaults } from '../lib/definitions';
import { RestError, isRestError } from '../lib/errors';
import { RowExtractor } from '../lib/extract';
import { PagingPlan, pages, type PageRequest } from '../lib/paging';
import type { GridProperties } from '../lib/types';
import { addResponseDetails, setupQueryNode, type QueryContext } from './query-node';
import { withDefaults } from './settings';
import { RowSplitter } from './row-splitter';

export = function registerExecuteRestGrid(RED: NodeAPI): void {
  function ExecuteRestGrid(this: Node, config: NodeDef & Partial<GridProperties>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const props = withDefaults(gridDefaults, config);
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
      const splitter = props.split ? new RowSplitter(RED, msg, outputProperty, send) : undefined;
      const rows: unknown[] = [];
      let rowCount = 0;
      let last: RestResponse | undefined;
      for await (const page of pages(compiled.plan, fetchPage, table, (text) => node.warn(text))) {
        // fetchPage returns the client's RestResponse; paging only needs part of it.
        last = page.response as RestResponse;
        rowCount += page.rows.length;
        if (splitter) splitter.add(page.rows, last);
        else for (const row of page.rows) rows.push(row);
      }
      const columns = props.format === 'arrays' ? table.columnNames() : undefined;
      if (splitter) {
        splitter.finish({ rowCount, columns });
      } else {
        if (last) addResponseDetails(msg, last);
        msg.rowCount = rowCount;
        if (columns) msg.columns = columns;
        RED.util.setMessageProperty(msg, outputProperty, rows, true);
        send(msg);
      }
      return `${last?.statusCode ?? ''} · ${rowCount} row${rowCount === 1 ? '' : 's'}`;
    });
    if (compiled instanceof RestError) node.status({ fill: 'red', shape: 'ring', text: compiled.code });
  }
  RED.nodes.registerType('execute-rest-grid', ExecuteRestGrid);
};

/** The first page is the node's request; later pages follow a link or change paging parameters. */
function pageRequest(request: RequestSpec, page: PageRequest): RequestSpec {
  if (page.link) return { ...request, path: undefined, link: page.link, query: page.query };
  return { ...request, query: { ...request.query, ...page.query } };
}
