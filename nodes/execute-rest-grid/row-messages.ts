/**
 * One message per row with `msg.parts`, so a `join` node in automatic mode rebuilds the
 * array. Only the last row carries `parts.count` (lib/paging/split-rows.ts knows which one that is).
 */
import type { NodeAPI } from 'node-red';
import type { RestClient } from '../../lib/http/rest-client';
import type { RestResponse } from '../../lib/http/rest-response';
import type { SplitRow } from '../../lib/paging/split-rows';
import type { Message } from '../shared/message';
import { addResponseDetails } from '../shared/response-details';

export class RowMessages {
  private readonly partsId: string;
  private readonly simpleProperty: boolean;

  constructor(
    private readonly RED: NodeAPI,
    private readonly input: Message,
    private readonly outputProperty: string,
    private readonly client: RestClient,
  ) {
    this.partsId = RED.util.generateId();
    this.simpleProperty = !/[.[]/.test(outputProperty);
  }

  /** The message of one row; `columns` goes on the last one, with the row count. */
  build(item: SplitRow, columns?: string[]): Message {
    // A shallow copy is enough (and cheap for a million rows) unless the row goes into a nested property.
    const msg = this.simpleProperty ? { ...this.input } : this.RED.util.cloneMessage(this.input);
    const parts: Record<string, unknown> = { id: this.partsId, type: 'array', index: item.index, len: 1 };
    if (this.outputProperty !== 'payload') parts.property = this.outputProperty;
    if (this.input.parts) parts.parts = this.input.parts;
    addResponseDetails(msg, item.response as RestResponse, this.client);
    if (item.last) {
      parts.count = item.index + 1;
      msg.rowCount = item.index + 1;
      if (columns) msg.columns = columns;
    }
    msg.parts = parts;
    this.RED.util.setMessageProperty(msg, this.outputProperty, item.row, true);
    return msg;
  }
}
