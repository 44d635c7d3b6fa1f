/**
 * A response nested deeper than JavaScript's call stack reaches (JSON.parse takes 100,000 levels;
 * JSON.stringify and path walks recurse) as ERR_VALUE, instead of a RangeError that says nothing
 * about the data.
 */
import { RestError } from '../errors';

/** True for the RangeError V8 throws when recursion runs out of stack. */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

/** ERR_VALUE saying which step met a value nested too deeply. */
export function tooDeepError(what: string, cause?: unknown): RestError {
  return new RestError(
    'ERR_VALUE',
    `${what}: the value is nested too deeply (more levels of arrays and objects than can be processed); ask the API for a flatter response or pick a deeper part of it with the path`,
    cause === undefined ? {} : { cause },
  );
}
