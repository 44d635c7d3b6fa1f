/**
 * `execute-rest-grid`: runs a request (and its further pages) and emits rows: all in one
 * message, or (`split`) in messages of `batchSize` rows sent while the response still arrives.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { RestResponse } from '../../lib/http/rest-response';
import { gridDefaults } from '../../lib/definitions';
import { RestError, isRestError } from '../../lib/errors';
import { collectRows } from '../../lib/paging/collect-rows';
import { batchRows } from '../../lib/stream/batch-rows';
import type { GridProperties } from '../../lib/types';
import { addResponseDetails } from '../shared/response-details';
import { setupQueryNode, showConfigError, type QueryContext } from '../shared/setup-query-node';
import { envLookup } from '../shared/env';
import { compileGrid, gridPages, splitSource } from '../shared/grid-pages';
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
    // A setting that cannot work is reported on each message (so a catch node sees it) and in the status now.
    const compiled = compileGrid(props, _);

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
      const collected = await collectRows(gridPages(client, request, plan, table, warn));
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
