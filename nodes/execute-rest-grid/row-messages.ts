/**
 * The messages of `split`: one per batch of `batchSize` rows (one row as the payload, or an array
 * of rows), with `msg.parts` so a `join` node in automatic mode rebuilds the whole array: for
 * batches `parts.len` is the batch size, and join concatenates them. Only the last message
 * carries `parts.count`, as Node-RED's split node does for a stream (lib/stream/batch-rows.ts
 * knows which one that is).
 */
import type { NodeAPI } from 'node-red';
import type { RestClient } from '../../lib/http/rest-client';
import type { RestResponse } from '../../lib/http/rest-response';
import type { RowBatch } from '../../lib/stream/batch-rows';
import type { Message } from '../shared/message';
import { addResponseDetails } from '../shared/response-details';

type ShownResponse = Pick<RestResponse, 'statusCode' | 'headers' | 'url'>;

export class RowMessages {
  private readonly partsId: string;
  private readonly simpleProperty: boolean;
  /** Status, headers and URL of the response the last message came from, masked once per response. */
  private shown: { response: unknown; details: Message } | undefined;

  constructor(
    private readonly RED: NodeAPI,
    private readonly input: Message,
    private readonly outputProperty: string,
    private readonly client: RestClient,
    private readonly batchSize: number,
  ) {
    this.partsId = RED.util.generateId();
    this.simpleProperty = !/[.[]/.test(outputProperty);
  }

  /** The message of one batch; `columns` goes on the last one, with the row count. */
  build(batch: RowBatch<ShownResponse>, columns?: string[]): Message {
    // A shallow copy is enough (and cheap for a million rows) unless the row goes into a nested property.
    const msg = this.simpleProperty ? { ...this.input } : this.RED.util.cloneMessage(this.input);
    const parts: Record<string, unknown> = { id: this.partsId, type: 'array', index: batch.index, len: this.batchSize };
    if (this.outputProperty !== 'payload') parts.property = this.outputProperty;
    if (this.input.parts) parts.parts = this.input.parts;
    if (this.shown?.response !== batch.response) {
      const details = {} as Message;
      addResponseDetails(details, batch.response, this.client);
      this.shown = { response: batch.response, details };
    }
    const { statusCode, headers, responseUrl } = this.shown.details;
    // Each message its own headers object: a node downstream may change one message's.
    Object.assign(msg, { statusCode, headers: { ...(headers as object) }, responseUrl });
    if (batch.last) {
      parts.count = batch.index + 1;
      msg.rowCount = batch.rowsBefore + batch.rows.length;
      if (columns) msg.columns = columns;
    }
    msg.parts = parts;
    const value = this.batchSize === 1 ? batch.rows[0] : batch.rows;
    this.RED.util.setMessageProperty(msg, this.outputProperty, value, true);
    return msg;
  }
}
