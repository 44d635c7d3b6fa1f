/**
 * The `columns` of a grid node, checked and compiled once: each column's JSONPath is relative to
 * a row; `cellOf` reads one column of one row (no match -> null).
 */
import { RestError } from '../errors';
import type { ColumnDefinition } from '../types';
import { CompiledPath, NOT_FOUND, evaluationError } from './compiled-path';

export interface CompiledColumn {
  name: string;
  path: CompiledPath;
  /** Set when the path is one plain name (`$.id`): the common case, read without a walk. */
  key: string | undefined;
}

export function compileColumns(columns: ColumnDefinition[] | undefined): CompiledColumn[] | undefined {
  if (columns === undefined || columns === null) return undefined;
  if (!Array.isArray(columns)) throw new RestError('ERR_CONFIG', 'columns must be a list of {name, path}');
  if (columns.length === 0) return undefined;
  const seen = new Set<string>();
  return columns.map((column, index) => {
    const name = column && typeof column.name === 'string' ? column.name.trim() : '';
    if (name === '') throw new RestError('ERR_CONFIG', `columns[${index}] has no name`);
    if (seen.has(name)) throw new RestError('ERR_CONFIG', `column name "${name}" is used twice`);
    seen.add(name);
    const rawPath = typeof column.path === 'string' ? column.path.trim() : '';
    // An empty path means "the property of that name"; bracket form keeps dots in the name literal.
    const path = rawPath === '' ? `$[${JSON.stringify(name)}]` : rawPath;
    const compiled = new CompiledPath(`columns[${index}] "${name}" path`, path);
    const keys = compiled.plainKeys;
    return { name, path: compiled, key: keys && keys.length === 1 ? keys[0] : undefined };
  });
}

export function cellOf(row: unknown, column: CompiledColumn): unknown {
  const key = column.key;
  if (key !== undefined) {
    if (!row || !Object.hasOwn(row, key)) return null;
    const value = (row as Record<string, unknown>)[key];
    return value === undefined ? null : value;
  }
  let value: unknown;
  try {
    value = column.path.first(row);
  } catch (err) {
    throw evaluationError(`column "${column.name}"`, column.path, err);
  }
  return value === NOT_FOUND || value === undefined ? null : value;
}
