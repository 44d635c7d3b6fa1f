/**
 * One message per row with `msg.parts`, so a `join` node in automatic mode rebuilds the
 * array. Rows go out as their page arrives; the last row is held back until paging ends,
 * because only the last message may carry `parts.count` and the count is known only then.
 */
import type { NodeAPI } from 'node-red';
import type { RestResponse } from '../lib/client';
import type { Message } from './query-node';

export class RowSplitter {
  private readonly partsId: string;
  private readonly simpleProperty: boolean;
  private index = 0;
  private held: { row: unknown; response: RestResponse } | undefined;

  constructor(
    private readonly RED: NodeAPI,
    private readonly input: Message,
    private readonly outputProperty: string,
    private readonly send: (msg: Message) => void,
  ) {
    this.partsId = RED.util.generateId();
    this.simpleProperty = !/[.[]/.test(outputProperty);
  }

  add(rows: unknown[], response: RestResponse): void {
    for (const row of rows) {
      if (this.held) this.emit(this.held.row, this.held.response);
      this.held = { row, response };
    }
  }

  finish(totals: { rowCount: number; columns?: string[] }): void {
    if (!this.held) return;
    this.emit(this.held.row, this.held.response, totals);
    this.held = undefined;
  }

  private emit(row: unknown, response: RestResponse, totals?: { rowCount: number; columns?: string[] }): void {
    // A shallow copy is enough (and cheap for a million rows) unless the row goes into a nested property.
    const msg = (this.simpleProperty ? { ...this.input } : this.RED.util.cloneMessage(this.input)) as Message;
    const parts: Record<string, unknown> = { id: this.partsId, type: 'array', index: this.index++, len: 1 };
    if (this.outputProperty !== 'payload') parts.property = this.outputProperty;
    if (this.input.parts) parts.parts = this.input.parts;
    msg.statusCode = response.statusCode;
    msg.headers = response.headers;
    msg.responseUrl = response.url;
    if (totals) {
      parts.count = this.index;
      msg.rowCount = totals.rowCount;
      if (totals.columns) msg.columns = totals.columns;
    }
    msg.parts = parts;
    this.RED.util.setMessageProperty(msg, this.outputProperty, row, true);
    this.send(msg);
  }
}
