/**
 * JSONPath extraction: the rows of a grid response (RowExtractor) and the value of a scalar
 * response (ValueExtractor). Every path is checked and compiled once, when the node is built;
 * each message then only walks the document. Plain dotted paths (`$.data.items`, `address.city`)
 * are walked directly, without jsonpath-plus, because a grid may hold 100,000 rows x 10 columns.
 */
import { JSONPath } from 'jsonpath-plus';
import { RestError } from '../errors';
import type { ColumnDefinition, GridProperties, ScalarProperties } from '../types';

const NOT_FOUND: unique symbol = Symbol('not found');
type Found = unknown | typeof NOT_FOUND;

/** Names jsonpath-plus puts in a filter's sandbox (`@` becomes `_$_v`, `@root` `_$_root`, ...). */
const SANDBOX_NAMES = new Set([
  '_$_v',
  '_$_root',
  '_$_parent',
  '_$_parentProperty',
  '_$_property',
  '_$_path',
  'undefined',
]);

/** The part of a jsonpath-plus instance we use (its published types declare no constructor). */
interface JsonPathEngine {
  evaluate(options: { path: string; json: unknown; sandbox: object }): unknown;
}
const JsonPathEngineClass = JSONPath as unknown as new (options: object) => JsonPathEngine;

interface SafeScriptClass {
  new (code: string): { ast: unknown };
}
/** jsonpath-plus's own sandboxed expression parser (jsep), used to check filters up front. */
const SafeScript = (JSONPath as unknown as { prototype: { safeVm: { Script: SafeScriptClass } } }).prototype.safeVm
  .Script;

/**
 * A JSONPath checked and compiled once. `$` is the document; a path without `$` (`items`,
 * `['a b']`, `@.x`, `.x`) is read as if it started with `$.`, so `$.id`, `@.id` and `id` are the same.
 */
export class CompiledPath {
  readonly source: string;
  private readonly normalized: string;
  /** Property names to walk, when every step is a plain name; undefined needs jsonpath-plus. */
  private readonly keys: string[] | undefined;
  /** The path ends in `[*]` after plain names (`$.data.items[*]`): children of the walked value. */
  private readonly expandLast: boolean = false;
  private readonly engine: JsonPathEngine | undefined;

  /** @param property what the path is, for error messages (e.g. `rowsPath`, `columns[2] "city"`) */
  constructor(property: string, path: string) {
    this.source = path;
    const trimmed = typeof path === 'string' ? path.trim() : '';
    const fail = (why: string): never => {
      throw new RestError(
        'ERR_JSONPATH',
        `${property} ${JSON.stringify(String(path))} is not a valid JSONPath: ${why}`,
      );
    };
    if (trimmed === '') fail('it is empty');
    this.normalized = normalizePath(trimmed);
    const syntaxError = checkSyntax(this.normalized);
    if (syntaxError) fail(syntaxError);
    const segments = JSONPath.toPathArray(this.normalized);
    if (segments[0] !== '$') fail('it must start with $');
    const steps = segments.slice(1);
    for (const step of steps) {
      const scriptError = checkScript(step);
      if (scriptError) fail(scriptError);
    }
    const lastIsWildcard = steps.length > 0 && steps[steps.length - 1] === '*';
    const prefix = lastIsWildcard ? steps.slice(0, -1) : steps;
    if (prefix.every(isPlainName)) {
      this.keys = prefix;
      this.expandLast = lastIsWildcard;
    } else {
      this.engine = new JsonPathEngineClass({
        path: this.normalized,
        json: null,
        autostart: false,
        eval: 'safe',
        // A filter such as ?(@.a.b == 1) on a row without `a` means "no match", not a failure.
        ignoreEvalErrors: true,
        wrap: true,
      });
      try {
        this.evaluate({});
      } catch (err) {
        fail(err instanceof Error ? err.message : String(err));
      }
    }
  }

  /** The property names of a plain path (`$.a.b` -> ['a', 'b']), for callers that walk it inline. */
  get plainKeys(): readonly string[] | undefined {
    return this.expandLast ? undefined : this.keys;
  }

  /** True when the path is `$` alone: the document itself. */
  get isRoot(): boolean {
    return this.keys !== undefined && this.keys.length === 0 && !this.expandLast;
  }

  /** Every match, in document order. */
  all(doc: unknown): unknown[] {
    if (this.keys) {
      const value = walk(doc, this.keys);
      if (value === NOT_FOUND) return [];
      return this.expandLast ? children(value) : [value];
    }
    return this.evaluate(doc);
  }

  /** The first match, or NOT_FOUND. */
  first(doc: unknown): Found {
    if (this.keys && !this.expandLast) return walk(doc, this.keys);
    const matches = this.keys ? this.all(doc) : this.evaluate(doc);
    return matches.length > 0 ? matches[0] : NOT_FOUND;
  }

  private evaluate(doc: unknown): unknown[] {
    // jsonpath-plus answers nothing for a falsy document (0, "", false, null).
    if (!doc) return [];
    // A fresh sandbox per call, so the engine does not keep the last document alive.
    const result = this.engine!.evaluate({ path: this.normalized, json: doc, sandbox: {} });
    return Array.isArray(result) ? result : [];
  }
}

export function isFound(value: Found): boolean {
  return value !== NOT_FOUND;
}

/** What `[*]` matches: the items of an array, the values of an object, nothing else. */
function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.slice();
  if (value !== null && typeof value === 'object') return Object.values(value);
  return [];
}

/** Walks plain property names with jsonpath-plus's rule: own properties only. */
function walk(doc: unknown, keys: string[]): Found {
  let current = doc;
  for (let i = 0; i < keys.length; i++) {
    if (!current || !Object.hasOwn(current as object, keys[i])) return NOT_FOUND;
    current = (current as Record<string, unknown>)[keys[i]];
  }
  return current;
}

function normalizePath(path: string): string {
  if (path.startsWith('$')) return path;
  if (path.startsWith('@')) return '$' + path.slice(1);
  if (path.startsWith('[') || path.startsWith('.')) return '$' + path;
  return '$.' + path;
}

const SLICE = /^(-?\d*):(-?\d*):?(\d*)$/;
const TYPE_SELECTOR = /^@.*\(\)$/;

function isPlainName(step: string): boolean {
  return !(
    step === '*' ||
    step === '..' ||
    step === '^' ||
    step === '~' ||
    step === '$' ||
    step === '' ||
    SLICE.test(step) ||
    step.startsWith('?(') ||
    step.startsWith('(') ||
    step.startsWith('`') ||
    TYPE_SELECTOR.test(step) ||
    step.includes(',')
  );
}

/**
 * jsonpath-plus accepts almost any text (a missing `]` is silently ignored), so the mistakes a
 * user makes are caught here: unbalanced brackets or quotes, empty steps, stray spaces.
 */
function checkSyntax(path: string): string | undefined {
  if (path.length > 1 && path[1] !== '.' && path[1] !== '[') {
    return 'after $ comes . or [';
  }
  let depth = 0;
  let parens = 0;
  let quote = '';
  let bracketStart = -1;
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (depth > 0 && (c === "'" || c === '"')) {
      quote = c;
    } else if (c === '[') {
      if (depth === 0) bracketStart = i;
      depth++;
    } else if (c === ']') {
      if (depth === 0) return `"]" at position ${i + 1} has no matching "["`;
      depth--;
      if (depth === 0 && path.slice(bracketStart + 1, i).trim() === '') return 'empty [ ]';
    } else if (depth > 0 && c === '(') {
      parens++;
    } else if (depth > 0 && c === ')') {
      if (parens === 0) return `")" at position ${i + 1} has no matching "("`;
      parens--;
    } else if (depth === 0 && /\s/.test(c)) {
      return "a space outside brackets (write a name with spaces as ['first name'])";
    } else if (depth === 0 && c === '.' && path.startsWith('...', i)) {
      return 'too many dots';
    }
  }
  if (quote) return `unterminated ${quote} quote`;
  if (depth > 0) return 'a "[" is not closed';
  if (parens > 0) return 'a "(" is not closed';
  if (path.length > 1 && path.endsWith('.')) return 'it ends with "."';
  return undefined;
}

/** Parses a filter or script step the way jsonpath-plus will, so its mistakes show up front. */
function checkScript(step: string): string | undefined {
  let code: string;
  if (step.startsWith('?(') && step.endsWith(')')) code = step.slice(2, -1);
  else if (step.startsWith('(') && step.endsWith(')')) code = step;
  else return undefined;
  // A nested filter (?(@.tags[?(...)])) is matched by jsonpath-plus itself, not evaluated.
  if (/@.?([^?]*)[['](\??\(.*?\))(?!.\)\])[\]']/.test(code)) return undefined;
  const script = code
    .replaceAll('@parentProperty', '_$_parentProperty')
    .replaceAll('@parent', '_$_parent')
    .replaceAll('@property', '_$_property')
    .replaceAll('@root', '_$_root')
    .replaceAll('@path', '_$_path')
    .replace(/@([.\s)[])/g, '_$_v$1');
  let ast: unknown;
  try {
    ast = new SafeScript(script).ast;
  } catch (err) {
    return `the expression ${code} does not parse (${err instanceof Error ? err.message : err})`;
  }
  const unknownName = findUnknownName(ast);
  if (unknownName) {
    return `unknown name "${unknownName}" in ${code} (use @ for the current item, @root for the document)`;
  }
  return undefined;
}

function findUnknownName(node: unknown): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findUnknownName(item);
      if (found) return found;
    }
    return undefined;
  }
  const n = node as Record<string, unknown>;
  if (n.type === 'Identifier') {
    const name = String(n.name);
    return SANDBOX_NAMES.has(name) ? undefined : name;
  }
  if (n.type === 'MemberExpression' && !n.computed) return findUnknownName(n.object);
  for (const value of Object.values(n)) {
    const found = findUnknownName(value);
    if (found) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Rows

export type RowExtractorOptions = Pick<GridProperties, 'rowsPath' | 'columns' | 'format'>;

interface CompiledColumn {
  name: string;
  path: CompiledPath;
  /** Set when the path is one plain name (`$.id`): the common case, read without a walk. */
  key: string | undefined;
}

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
    const rows = this.matchRows(doc);
    if (this.columns) return this.asArrays ? this.toArrays(rows, this.columns) : this.toObjects(rows, this.columns);
    if (!this.asArrays || rows.length === 0) return rows;
    if (!this.inferred) this.inferred = inferColumns(rows[0]);
    return this.keysToArrays(rows, this.inferred);
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
    const out = new Array<unknown>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row: Record<string, unknown> = {};
      for (let c = 0; c < columns.length; c++) row[columns[c].name] = cell(rows[r], columns[c]);
      out[r] = row;
    }
    return out;
  }

  private toArrays(rows: unknown[], columns: CompiledColumn[]): unknown[] {
    const out = new Array<unknown>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = new Array<unknown>(columns.length);
      for (let c = 0; c < columns.length; c++) row[c] = cell(rows[r], columns[c]);
      out[r] = row;
    }
    return out;
  }

  /** Rows without configured columns: object rows by key; array rows as they are; scalars as [value]. */
  private keysToArrays(rows: unknown[], keys: string[]): unknown[] {
    const out = new Array<unknown>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      if (Array.isArray(row)) {
        out[r] = row;
      } else if (row !== null && typeof row === 'object') {
        const values = new Array<unknown>(keys.length);
        for (let c = 0; c < keys.length; c++) {
          const value = Object.hasOwn(row, keys[c]) ? (row as Record<string, unknown>)[keys[c]] : undefined;
          values[c] = value === undefined ? null : value;
        }
        out[r] = values;
      } else {
        out[r] = [row];
      }
    }
    return out;
  }
}

function inferColumns(firstRow: unknown): string[] {
  if (Array.isArray(firstRow)) return [];
  if (firstRow !== null && typeof firstRow === 'object') return Object.keys(firstRow);
  return ['value'];
}

function cell(row: unknown, column: CompiledColumn): unknown {
  const key = column.key;
  if (key !== undefined) {
    if (!row || !Object.hasOwn(row as object, key)) return null;
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

function compileColumns(columns: ColumnDefinition[] | undefined): CompiledColumn[] | undefined {
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

function evaluationError(property: string, path: CompiledPath, err: unknown): RestError {
  if (err instanceof RestError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new RestError('ERR_JSONPATH', `${property} ${JSON.stringify(path.source)} failed: ${why}`, { cause: err });
}

// ---------------------------------------------------------------------------------------------
// Scalar value

export type ValueExtractorOptions = Pick<ScalarProperties, 'valuePath' | 'valueType' | 'missing' | 'defaultValue'>;
type ValueType = ScalarProperties['valueType'];

const VALUE_TYPES: ValueType[] = ['auto', 'string', 'number', 'boolean'];
const MISSING_MODES: ScalarProperties['missing'][] = ['error', 'null', 'default'];
const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

/**
 * The value of a scalar response: first match of `valuePath`, converted by `valueType`.
 * Input is parsed JSON, or the text of a response that is not JSON. Text is the value itself
 * when `valuePath` is `$`; any other path on text fails with ERR_NOT_JSON. JSON `null` stays
 * `null` whatever the `valueType` (converting it would invent data).
 */
export class ValueExtractor {
  private readonly path: CompiledPath;
  private readonly valueType: ValueType;
  private readonly missing: ScalarProperties['missing'];
  private readonly defaultValue: unknown;

  constructor(options: ValueExtractorOptions) {
    const valuePath = options.valuePath === undefined || options.valuePath === '' ? '$' : options.valuePath;
    this.path = new CompiledPath('valuePath', valuePath);
    this.valueType = options.valueType ?? 'auto';
    if (!VALUE_TYPES.includes(this.valueType)) {
      throw new RestError(
        'ERR_CONFIG',
        `valueType must be one of ${VALUE_TYPES.join(', ')}, not ${JSON.stringify(this.valueType)}`,
      );
    }
    this.missing = options.missing ?? 'error';
    if (!MISSING_MODES.includes(this.missing)) {
      throw new RestError(
        'ERR_CONFIG',
        `missing must be one of ${MISSING_MODES.join(', ')}, not ${JSON.stringify(this.missing)}`,
      );
    }
    if (this.missing === 'default') {
      try {
        this.defaultValue = convert(options.defaultValue ?? '', this.valueType);
      } catch (err) {
        throw new RestError('ERR_CONFIG', `defaultValue: ${(err as Error).message}`);
      }
    }
  }

  extract(value: unknown): unknown {
    let found: Found;
    if (typeof value === 'string' && !this.path.isRoot) {
      throw new RestError(
        'ERR_NOT_JSON',
        `the response is text, not JSON, so valuePath ${JSON.stringify(this.path.source)} cannot apply (use $ to take the text)`,
      );
    }
    if (value === undefined) {
      found = NOT_FOUND;
    } else {
      try {
        found = this.path.first(value);
      } catch (err) {
        throw evaluationError('valuePath', this.path, err);
      }
    }
    if (found === NOT_FOUND || found === undefined) return this.whenMissing();
    return convert(found, this.valueType);
  }

  private whenMissing(): unknown {
    if (this.missing === 'null') return null;
    if (this.missing === 'default') return this.defaultValue;
    throw new RestError('ERR_VALUE', `valuePath ${this.path.source} matched nothing`);
  }
}

/** Converts a value by valueType; throws ERR_VALUE quoting a short excerpt when it cannot. */
export function convert(value: unknown, valueType: ValueType): unknown {
  if (value === null || valueType === 'auto') return value;
  switch (valueType) {
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && DECIMAL_NUMBER.test(value.trim())) return Number(value.trim());
      throw new RestError('ERR_VALUE', `the value ${excerpt(value)} is not a number`);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === 0) return value === 1;
      if (typeof value === 'string') {
        const word = value.trim().toLowerCase();
        if (TRUE_WORDS.has(word)) return true;
        if (FALSE_WORDS.has(word)) return false;
      }
      throw new RestError(
        'ERR_VALUE',
        `the value ${excerpt(value)} is not a boolean (true/false, yes/no, on/off, 1/0)`,
      );
  }
  return value;
}

const EXCERPT_CHARS = 60;
function excerpt(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > EXCERPT_CHARS ? text.slice(0, EXCERPT_CHARS) + '…' : text;
}
