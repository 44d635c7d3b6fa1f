/** The rows of a grid response: rowsPath, columns and format, compiled once per node. */
import { RestError } from '../errors';
import type { GridProperties } from '../types';
import { CompiledPath } from './compiled-path';
import { compileColumns, type CompiledColumn } from './compile-columns';
import { RowTable } from './row-table';

export type RowExtractorOptions = Pick<GridProperties, 'rowsPath' | 'columns' | 'format'>;

/**
 * Turns a grid response into rows. Built once per node; `extract` runs per message (or per page).
 * - `rowsPath` (default `$`): one array match is the rows; one object (or other value) is one row;
 *   a single `null` match or no match is no rows; several matches are the rows.
 * - `columns`: each row becomes `{name: first match of path on the row}` (no match -> null). A
 *   column path is relative to the row (`id`, `$.id`, `@.id` all work); an empty path means the
 *   property named like the column.
 * - `format: 'arrays'`: each row becomes an array in column order. Without columns, the columns
 *   are the keys of the first row (of the first page, via `table()`).
 */
export class RowExtractor {
  private readonly rowsPath: CompiledPath;
  private readonly columns: CompiledColumn[] | undefined;
  private readonly asArrays: boolean;

  constructor(options: RowExtractorOptions) {
    const rowsPath = options.rowsPath === undefined || options.rowsPath === '' ? '$' : options.rowsPath;
    this.rowsPath = new CompiledPath('rowsPath', rowsPath);
    if (options.format !== undefined && options.format !== 'objects' && options.format !== 'arrays') {
      throw new RestError('ERR_CONFIG', `format must be "objects" or "arrays", not ${JSON.stringify(options.format)}`);
    }
    this.asArrays = options.format === 'arrays';
    this.columns = compileColumns(options.columns);
  }

  /** The configured column names (what `msg.columns` holds); [] when there are none. */
  columnNames(): string[] {
    return this.columns ? this.columns.map((column) => column.name) : [];
  }

  /** The rows of one document. For several pages of one message, use `table()`. */
  extract(doc: unknown): unknown[] {
    return this.table().extract(doc);
  }

  /**
   * A table for one message: every page goes through the same table, so columns inferred
   * from the first row (format `arrays` without columns) stay the same on later pages.
   */
  table(): RowTable {
    return new RowTable(this.rowsPath, this.columns, this.asArrays);
  }
}
