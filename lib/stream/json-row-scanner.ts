/**
 * Finds the rows array of a JSON document in a byte stream and parses its items as they arrive,
 * so a response of any size needs memory for one chunk and one row, not for the whole body.
 *
 * It does not tokenize the rows itself: it only follows strings and brackets to find where the
 * items of the rows array end, and hands every run of complete items to JSON.parse at once
 * (`[` + items + `]`), which is faster than any JavaScript parser and validates them. What lies
 * outside the rows array (the envelope: `next` links, counts) is kept as text with the array
 * emptied, and parsed at the end: that is the document paging reads `nextPath` from.
 */
import { StringDecoder } from 'node:string_decoder';

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/** Where the scanner is in the document. */
const enum Mode {
  /** A value comes next; `level` path objects are open. */
  Value,
  /** In a path object, a key or `}` comes next. */
  Key,
  /** Inside a key string of a path object (from `keyStart`). */
  KeyString,
  /** After a key, `:` comes next. */
  Colon,
  /** After a value in a path object, `,` or `}` comes next. */
  AfterValue,
  /** Inside a value that is not on the path (or is the target but not an array). */
  Skip,
  /** Inside the rows array. */
  Rows,
  /** The root value is complete; only white space may follow. */
  Done,
}

/** Raised for a document that is not JSON; the caller turns it into ERR_NOT_JSON. */
export class JsonStreamError extends Error {}

export interface ScanResult {
  /** The document with the rows array emptied (`[]`); the whole document when no array was streamed. */
  doc: unknown;
  /** True when the value at the path was an array and its items went out through `write`. */
  streamed: boolean;
}

/**
 * One document. `keys` are the plain property names of the path to the rows array (`$.data.items`
 * -> ['data', 'items'], `$` -> []). `write` returns the items completed by a chunk, parsed.
 */
export class JsonRowScanner {
  private readonly decoder = new StringDecoder('utf8');
  /** Text not yet consumed; positions below are indexes into it. */
  private text = '';
  private pos = 0;
  private mode = Mode.Value;
  /** Open path objects (`{` on the way to the rows). */
  private level = 0;
  /** What the coming value is: the rows (`target`), an object on the path (`descend`), or neither. */
  private role: 'target' | 'descend' | 'skip' = 'skip';
  private keyStart = 0;
  /** Skip and Rows: brackets open inside the current value / item; -1 = a scalar being skipped. */
  private depth = 0;
  private inString = false;
  /** Rows: start of the items not parsed yet, and the comma after the last complete one. */
  private itemsStart = 0;
  private lastComma = -1;
  private sawComma = false;
  private found = false;
  private streamed = false;
  /** Text of the envelope; `kept` is how far `text` is in it already. */
  private readonly envelope: string[] = [];
  private kept = 0;
  /**
   * The error found in the last chunk, thrown by the next call: that chunk's items before the
   * fault are handed out first, so a flow gets every row that came before bad JSON.
   */
  private failure: JsonStreamError | undefined;

  constructor(private readonly keys: readonly string[]) {
    this.role = keys.length === 0 ? 'target' : 'descend';
  }

  write(chunk: Buffer): unknown[] {
    this.throwFailure();
    return this.scan(this.decoder.write(chunk), false);
  }

  /** The end of the body: the last items, and the envelope parsed. Throws JsonStreamError. */
  end(): { items: unknown[]; result: ScanResult } {
    this.throwFailure();
    const items = this.scan(this.decoder.end(), true);
    this.throwFailure();
    if (this.mode !== Mode.Done) throw new JsonStreamError('the JSON document ends early');
    let doc: unknown;
    try {
      doc = JSON.parse(this.envelope.join(''));
    } catch {
      throw new JsonStreamError('the document is not valid JSON');
    }
    return { items, result: { doc, streamed: this.streamed } };
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure;
  }

  private scan(added: string, atEnd: boolean): unknown[] {
    // `text` holds only what a later chunk still needs (see release), and `pos` is its end.
    this.text += added;
    const items: unknown[] = [];
    const text = this.text;
    const n = text.length;
    try {
      this.scanText(text, this.pos, n, items);
    } catch (err) {
      if (!(err instanceof JsonStreamError)) throw err;
      this.failure = err;
      if (err instanceof PartialItems) for (const item of err.items) items.push(item);
      return items;
    }
    if (atEnd && this.mode === Mode.Skip && this.depth === -1) this.afterValue();
    if (this.mode === Mode.Rows && this.lastComma >= this.itemsStart) {
      try {
        this.parseItems(text, this.itemsStart, this.lastComma, items);
      } catch (err) {
        if (!(err instanceof PartialItems)) throw err;
        this.failure = err;
        for (const item of err.items) items.push(item);
        return items;
      }
      this.itemsStart = this.lastComma + 1;
    }
    this.release(n);
    return items;
  }

  private scanText(text: string, from: number, n: number, items: unknown[]): void {
    let i = from;
    while (i < n) {
      switch (this.mode) {
        case Mode.Rows:
          i = this.scanRows(text, i, n, items);
          break;
        case Mode.Skip:
          i = this.scanSkip(text, i, n);
          break;
        case Mode.KeyString: {
          const close = stringEnd(text, i);
          if (close < 0) {
            i = n;
            break;
          }
          this.matchKey(text.slice(this.keyStart, close + 1));
          this.mode = Mode.Colon;
          i = close + 1;
          break;
        }
        default:
          i = this.scanStructure(text, i);
      }
    }
  }

  /** One character of the envelope's structure (outside skipped values and the rows). */
  private scanStructure(text: string, i: number): number {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) return i + 1;
    switch (this.mode) {
      case Mode.Value:
        return this.startValue(text, i, c);
      case Mode.Key:
        if (c === QUOTE) {
          this.keyStart = i;
          this.mode = Mode.KeyString;
          return i + 1;
        }
        if (c === CLOSE_BRACE) return this.closeObject(i);
        break;
      case Mode.Colon:
        if (c === COLON) {
          this.mode = Mode.Value;
          return i + 1;
        }
        break;
      case Mode.AfterValue:
        if (c === COMMA) {
          this.mode = Mode.Key;
          return i + 1;
        }
        if (c === CLOSE_BRACE) return this.closeObject(i);
        break;
      case Mode.Done:
        break;
    }
    throw new JsonStreamError(`unexpected ${JSON.stringify(text[i])} in the JSON document`);
  }

  private startValue(text: string, i: number, c: number): number {
    const role = this.role;
    if (role === 'target') this.found = true;
    if (role === 'descend' && c === OPEN_BRACE) {
      this.level++;
      this.mode = Mode.Key;
      return i + 1;
    }
    if (role === 'target' && c === OPEN_BRACKET && !this.streamed) {
      // The envelope keeps `[` now and `]` later: the rows array, emptied.
      this.envelope.push(text.slice(this.kept, i + 1));
      this.kept = i + 1;
      this.streamed = true;
      this.mode = Mode.Rows;
      this.depth = 0;
      this.inString = false;
      this.itemsStart = i + 1;
      this.lastComma = -1;
      this.sawComma = false;
      return i + 1;
    }
    this.mode = Mode.Skip;
    this.inString = false;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      this.depth = 1;
      return i + 1;
    }
    if (c === QUOTE) {
      this.depth = 0;
      this.inString = true;
      return i + 1;
    }
    // A number, true, false or null: it ends at a delimiter (checked by JSON.parse later).
    this.depth = -1;
    return i;
  }

  private matchKey(keyText: string): void {
    let key = keyText.slice(1, -1);
    if (key.includes('\\')) {
      try {
        key = JSON.parse(keyText) as string;
      } catch {
        throw new JsonStreamError('a property name is not valid JSON');
      }
    }
    const step = this.keys[this.level - 1];
    if (key !== step || this.found) this.role = 'skip';
    else this.role = this.level === this.keys.length ? 'target' : 'descend';
  }

  private closeObject(i: number): number {
    this.level--;
    this.afterValue();
    return i + 1;
  }

  /** After a complete value: the next key of the enclosing path object, or the end of the document. */
  private afterValue(): void {
    this.mode = this.level === 0 ? Mode.Done : Mode.AfterValue;
    this.role = 'skip';
  }

  /** A value off the path: strings and brackets are followed until it closes. */
  private scanSkip(text: string, i: number, n: number): number {
    if (this.depth === -1) {
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c <= 32) {
          this.afterValue();
          return i;
        }
      }
      return n;
    }
    for (; i < n; i++) {
      if (this.inString) {
        const close = stringEnd(text, i);
        if (close < 0) return n;
        i = close;
        this.inString = false;
        if (this.depth === 0) {
          this.afterValue();
          return i + 1;
        }
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--this.depth === 0) {
          this.afterValue();
          return i + 1;
        }
      }
    }
    return n;
  }

  /** The hot loop: items of the rows array, split at the commas between them. */
  private scanRows(text: string, i: number, n: number, items: unknown[]): number {
    let depth = this.depth;
    let inString = this.inString;
    for (; i < n; i++) {
      if (inString) {
        const close = stringEnd(text, i);
        if (close < 0) {
          i = n;
          break;
        }
        i = close;
        inString = false;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === 0) {
          if (c !== CLOSE_BRACKET) throw new JsonStreamError('unexpected "}" in the rows array');
          this.closeRows(text, i, items);
          this.depth = 0;
          this.inString = false;
          return i + 1;
        }
        depth--;
      } else if (c === COMMA && depth === 0) {
        this.lastComma = i;
        this.sawComma = true;
      }
    }
    this.depth = depth;
    this.inString = inString;
    return i;
  }

  private closeRows(text: string, close: number, items: unknown[]): void {
    const rest = text.slice(this.itemsStart, close);
    if (rest.trim() === '') {
      // `[1,]` ends with a comma and nothing after it; `[]` and `[ ]` are empty arrays.
      if (this.sawComma) throw new JsonStreamError('a comma before "]" in the rows array');
    } else {
      this.parseItems(text, this.itemsStart, close, items);
    }
    // The envelope goes on from the `]`.
    this.kept = close;
    this.itemsStart = close;
    this.afterValue();
  }

  private parseItems(text: string, from: number, to: number, items: unknown[]): void {
    let parsed: unknown[];
    try {
      parsed = JSON.parse('[' + text.slice(from, to) + ']') as unknown[];
    } catch {
      throw new PartialItems('an item of the rows array is not valid JSON', validItemsBefore(text.slice(from, to)));
    }
    // Nothing between two commas (`[1,,2]`, `[,1]`) parses as no items here; it is not JSON.
    if (parsed.length === 0) throw new JsonStreamError('an empty item in the rows array');
    for (let k = 0; k < parsed.length; k++) items.push(parsed[k]);
  }

  /** Drops consumed text: the envelope keeps its part, the rows only what is not parsed yet. */
  private release(n: number): void {
    let keepFrom: number;
    if (this.mode === Mode.Rows) {
      keepFrom = this.itemsStart;
      this.kept = keepFrom;
    } else {
      if (this.kept < n) this.envelope.push(this.text.slice(this.kept, n));
      keepFrom = n;
      if (this.mode === Mode.KeyString) keepFrom = this.keyStart;
      // An escape may go on in the next chunk: `"a\` then `"b"`.
      else if (this.mode === Mode.Skip && this.inString)
        while (keepFrom > 0 && this.text.charCodeAt(keepFrom - 1) === BACKSLASH) keepFrom--;
      this.kept = n;
    }
    this.text = this.text.slice(keepFrom);
    this.pos = n - keepFrom;
    this.kept -= keepFrom;
    this.itemsStart -= keepFrom;
    this.keyStart -= keepFrom;
    this.lastComma -= keepFrom;
  }
}

/** A fault inside a run of items, with the items before it that are valid. */
class PartialItems extends JsonStreamError {
  constructor(
    message: string,
    readonly items: unknown[],
  ) {
    super(message);
  }
}

/** The slow path, after JSON.parse refused a run of items: each item on its own, up to the bad one. */
function validItemsBefore(run: string): unknown[] {
  const valid: unknown[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= run.length; i++) {
    const c = i < run.length ? run.charCodeAt(i) : COMMA;
    if (c === QUOTE) {
      const close = stringEnd(run, i + 1);
      if (close < 0) break;
      i = close;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    else if (c === COMMA && depth === 0) {
      try {
        valid.push(JSON.parse(run.slice(start, i)));
      } catch {
        break;
      }
      start = i + 1;
    }
  }
  return valid;
}

/** Index of the quote that closes a string whose content starts at `from`, or -1 when not in `text` yet. */
function stringEnd(text: string, from: number): number {
  let at = text.indexOf('"', from);
  while (at >= 0) {
    let slashes = 0;
    while (at - slashes - 1 >= 0 && text.charCodeAt(at - slashes - 1) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}
