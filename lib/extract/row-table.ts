/**
 * The rows of one message, page after page: `rowsPath` picks the rows of each document and the
 * columns (configured, or inferred from the first row for format `arrays`) shape them.
 */
import { evaluationError, type CompiledPath } from './compiled-path';
import { setOwn } from '../set-own';
import { cellOf, type CompiledColumn } from './compile-columns';

/** Built by RowExtractor.table(); one per message, so inferred columns stay the same on later pages. */
export class RowTable {
  private inferred: string[] | undefined;

  constructor(
    private readonly rowsPath: CompiledPath,
    private readonly columns: CompiledColumn[] | undefined,
    private readonly asArrays: boolean,
  ) {}

  /** Column names for `msg.columns`: configured, or inferred from the first row seen. */
  columnNames(): string[] {
    if (this.columns) return this.columns.map((column) => column.name);
    return this.inferred ?? [];
  }

  extract(doc: unknown): unknown[] {
    return this.shape(this.matchRows(doc));
  }

  /** The rows as the node sends them (columns, format), for rows already picked by `rowsPath`. */
  shape(rows: unknown[]): unknown[] {
    if (this.columns) return this.asArrays ? this.toArrays(rows, this.columns) : this.toObjects(rows, this.columns);
    if (!this.asArrays || rows.length === 0) return rows;
    if (!this.inferred) this.inferred = inferColumns(rows[0]);
    return this.keysToArrays(rows, this.inferred);
  }

  /** The rowsPath of this table (a stream follows its plain forms). */
  get path(): CompiledPath {
    return this.rowsPath;
  }

  private matchRows(doc: unknown): unknown[] {
    let matches: unknown[];
    try {
      matches = this.rowsPath.all(doc);
    } catch (err) {
      throw evaluationError('rowsPath', this.rowsPath, err);
    }
    if (matches.length !== 1) return matches;
    const only = matches[0];
    if (Array.isArray(only)) return only;
    return only === null || only === undefined ? [] : [only];
  }

  private toObjects(rows: unknown[], columns: CompiledColumn[]): unknown[] {
    return rows.map((source) => {
      const row: Record<string, unknown> = {};
      for (const column of columns) {
        // Only `__proto__` is special to assignment; defining every cell would slow 1M-cell grids.
        if (column.name === '__proto__') setOwn(row, column.name, cellOf(source, column));
        else row[column.name] = cellOf(source, column);
      }
      return row;
    });
  }

  private toArrays(rows: unknown[], columns: CompiledColumn[]): unknown[] {
    return rows.map((source) => columns.map((column) => cellOf(source, column)));
  }

  /** Rows without configured columns: object rows by key; array rows as they are; scalars as [value]. */
  private keysToArrays(rows: unknown[], keys: string[]): unknown[] {
    return rows.map((row) => {
      if (Array.isArray(row)) return row as unknown[];
      if (row === null || typeof row !== 'object') return [row];
      return keys.map((key) => {
        const value = Object.hasOwn(row, key) ? (row as Record<string, unknown>)[key] : undefined;
        return value === undefined ? null : value;
      });
    });
  }
}

function inferColumns(firstRow: unknown): string[] {
  if (Array.isArray(firstRow)) return [];
  if (firstRow !== null && typeof firstRow === 'object') return Object.keys(firstRow);
  return ['value'];
}
