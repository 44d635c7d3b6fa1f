/** A node's stored settings as the runtime reads them: ${ENV} references expanded, then the documented defaults applied. */
import { expandEnvDeep } from './env';

/** Reads a node's stored settings over the documented defaults, coercing numbers and booleans stored as text. */
export function withDefaults<T extends object>(defaults: T, config: Partial<Record<keyof T, unknown>>): T {
  const result = { ...defaults } as Record<string, unknown>;
  for (const [key, fallback] of Object.entries(defaults)) {
    const value = (config as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    if (typeof fallback === 'number') result[key] = value === '' ? fallback : Number(value);
    else if (typeof fallback === 'boolean') result[key] = value === true || value === 'true';
    else result[key] = value;
  }
  return result as T;
}

/** A node's settings: `${ENV}` references expanded (also inside strings), then the defaults applied. */
export function readSettings<T extends object>(
  defaults: T,
  config: Partial<Record<keyof T, unknown>>,
  lookup: (name: string) => unknown,
): T {
  return withDefaults(defaults, expandEnvDeep(config, lookup));
}
