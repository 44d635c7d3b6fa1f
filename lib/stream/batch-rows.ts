/**
 * Rows arriving in chunks of any size, cut into batches of `size` for the split messages. The
 * last batch carries `msg.parts.count`, and whether a batch is the last is only known when the
 * next row (or the end) arrives: so one batch is always held back until then.
 */
export interface RowBatch<R> {
  rows: unknown[];
  /** 0-based batch number (`msg.parts.index`). */
  index: number;
  /** True on the last batch: then `index + 1` is the number of batches and `rowsBefore + rows.length` of rows. */
  last: boolean;
  /** Rows in the batches before this one. */
  rowsBefore: number;
  /** The response the batch's last row came from. */
  response: R;
}

export async function* batchRows<R>(
  chunks: AsyncIterable<{ rows: unknown[]; response: R }>,
  size: number,
): AsyncGenerator<RowBatch<R>> {
  let pending: unknown[] = [];
  let response: R | undefined;
  let index = 0;
  let rowsBefore = 0;
  for await (const chunk of chunks) {
    // A loop rather than push(...rows): a spread of 100,000 items overflows the call stack.
    for (let i = 0; i < chunk.rows.length; i++) pending.push(chunk.rows[i]);
    response = chunk.response;
    let start = 0;
    // `>`, not `>=`: a full batch waits until a row after it shows it is not the last.
    while (pending.length - start > size) {
      const rows = pending.slice(start, start + size);
      start += size;
      yield { rows, index: index++, last: false, rowsBefore, response };
      rowsBefore += rows.length;
    }
    if (start > 0) pending = pending.slice(start);
  }
  if (pending.length > 0) yield { rows: pending, index, last: true, rowsBefore, response: response as R };
}
