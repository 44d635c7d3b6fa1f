/** Converts a found value by the scalar node's `valueType`, or says clearly why it cannot. */
import { Quote, RestError, quoting } from '../errors';
import type { ScalarProperties } from '../types';
import { isStackOverflow, tooDeepError } from './too-deep';

export type ValueType = ScalarProperties['valueType'];

const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

/** Converts a value by valueType; throws ERR_VALUE quoting a short excerpt when it cannot. */
export function convertValue(value: unknown, valueType: ValueType): unknown {
  if (value === null || valueType === 'auto') return value;
  switch (valueType) {
    case 'string':
      if (typeof value === 'string') return value;
      return typeof value === 'number' || typeof value === 'boolean' ? String(value) : jsonText(value);
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && DECIMAL_NUMBER.test(value.trim())) return Number(value.trim());
      throw new RestError('ERR_VALUE', quoting`the value ${new Quote(value)} is not a number`);
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
        quoting`the value ${new Quote(value)} is not a boolean (true/false, yes/no, on/off, 1/0)`,
      );
  }
  return value;
}

/** An object or array as JSON text for valueType string; ERR_VALUE when it is nested too deeply. */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (isStackOverflow(err)) throw tooDeepError('valueType string', err);
    throw err;
  }
}
