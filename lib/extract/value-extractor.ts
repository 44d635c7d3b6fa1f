/** The value of a scalar response: valuePath, valueType and missing, compiled once per node. */
import { RestError } from '../errors';
import type { ScalarProperties } from '../types';
import { CompiledPath, NOT_FOUND, evaluationError, type Found } from './compiled-path';
import { convertValue, type ValueType } from './convert-value';

export type ValueExtractorOptions = Pick<ScalarProperties, 'valuePath' | 'valueType' | 'missing' | 'defaultValue'>;

const VALUE_TYPES: ValueType[] = ['auto', 'string', 'number', 'boolean'];
const MISSING_MODES: ScalarProperties['missing'][] = ['error', 'null', 'default'];

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
        this.defaultValue = convertValue(options.defaultValue ?? '', this.valueType);
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
    return convertValue(found, this.valueType);
  }

  private whenMissing(): unknown {
    if (this.missing === 'null') return null;
    if (this.missing === 'default') return this.defaultValue;
    throw new RestError('ERR_VALUE', `valuePath ${this.path.source} matched nothing`);
  }
}
