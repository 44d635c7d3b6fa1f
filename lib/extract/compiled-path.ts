/**
 * A JSONPath checked and compiled once, when the node is built; each message then only walks the
 * document. Plain dotted paths (`$.data.items`, `address.city`) are walked directly, without
 * jsonpath-plus, because a grid may hold 100,000 rows x 10 columns.
 */
import { JSONPath } from 'jsonpath-plus';
import { RestError } from '../errors';
import { checkScript, checkSyntax } from './check-json-path';
import { isStackOverflow, tooDeepError } from './too-deep';

/** What `first` answers when the path matches nothing (undefined may be a match). */
export const NOT_FOUND: unique symbol = Symbol('not found');
/** A match (any value, undefined included) or NOT_FOUND. */
export type Found = unknown;

/** The part of a jsonpath-plus instance we use (its published types declare no constructor). */
interface JsonPathEngine {
  evaluate(options: { path: string; json: unknown; sandbox: object }): unknown;
}
const JsonPathEngineClass = JSONPath as unknown as new (options: object) => JsonPathEngine;

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

  /**
   * The steps of a path the response stream can follow (lib/stream/): plain property names,
   * optionally ending in `[*]`. Undefined for every other form (filters, `..`, unions, slices,
   * indexes), and for names that also select something in an array (`0`, `length`).
   */
  get streamSteps(): { keys: readonly string[]; expandLast: boolean } | undefined {
    if (!this.keys || this.keys.some((key) => key === 'length' || /^\d+$/.test(key))) return undefined;
    return { keys: this.keys, expandLast: this.expandLast };
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
  for (const key of keys) {
    if (!current || !Object.hasOwn(current, key)) return NOT_FOUND;
    current = (current as Record<string, unknown>)[key];
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

/** A failure while evaluating a path on a document, as ERR_JSONPATH naming the property. */
export function evaluationError(property: string, path: CompiledPath, err: unknown): RestError {
  if (err instanceof RestError) return err;
  if (isStackOverflow(err)) return tooDeepError(`${property} ${JSON.stringify(path.source)}`, err);
  const why = err instanceof Error ? err.message : String(err);
  return new RestError('ERR_JSONPATH', `${property} ${JSON.stringify(path.source)} failed: ${why}`, { cause: err });
}
