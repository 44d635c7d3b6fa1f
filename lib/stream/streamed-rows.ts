/**
 * The rows of one response body as its chunks arrive, shaped like RowTable.extract shapes the
 * rows of a parsed document (same rowsPath rules, columns and format), for the rowsPath forms a
 * stream can follow: `$`, `$[*]`, `$.a.b`, `$.a.b[*]` (plain property names).
 */
import type { RowTable } from '../extract/row-table';
import { JsonRowScanner } from './json-row-scanner';

export class StreamedRows {
  private readonly scanner: JsonRowScanner;
  private readonly expandLast: boolean;
  /** `$.a[*]` with a single item is read like a single match (its array items, or none for null): held until a second. */
  private held: unknown[] | undefined;
  private seen = 0;

  private constructor(
    private readonly table: RowTable,
    steps: { keys: readonly string[]; expandLast: boolean },
  ) {
    this.scanner = new JsonRowScanner(steps.keys);
    this.expandLast = steps.expandLast;
  }

  /** Rows for this table's rowsPath, or undefined when the path needs the whole document. */
  static of(table: RowTable): StreamedRows | undefined {
    const steps = table.path.streamSteps;
    return steps ? new StreamedRows(table, steps) : undefined;
  }

  /** The rows completed by this chunk, shaped. Throws JsonStreamError when the body is not JSON. */
  write(chunk: Buffer): unknown[] {
    return this.release(this.scanner.write(chunk));
  }

  /** The last rows and the document without its rows (for paging's nextPath). */
  end(): { rows: unknown[]; doc: unknown } {
    const { items, result } = this.scanner.end();
    // The value at the path was not an array (an object is one row, null none): the usual rules.
    if (!result.streamed) return { rows: this.table.extract(result.doc), doc: result.doc };
    const rows = this.release(items);
    if (this.held) {
      const only = this.held[0];
      const matched = Array.isArray(only) ? (only as unknown[]) : only === null || only === undefined ? [] : [only];
      this.held = undefined;
      return { rows: this.table.shape(matched), doc: result.doc };
    }
    return { rows, doc: result.doc };
  }

  private release(items: unknown[]): unknown[] {
    if (this.expandLast && this.seen < 2) {
      this.seen += items.length;
      const all = this.held ? this.held.concat(items) : items;
      if (this.seen < 2) {
        this.held = all.length > 0 ? all : this.held;
        return [];
      }
      this.held = undefined;
      items = all;
    }
    return items.length > 0 ? this.table.shape(items) : items;
  }
}
