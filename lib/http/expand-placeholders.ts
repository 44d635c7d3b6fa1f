/**
 * Fills `{{name}}` placeholders of a node's path with URL-encoded message values, so a value
 * cannot change the path's structure.
 */
import { RestError } from '../errors';

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

/**
 * `/users/{{payload.id}}` -> `/users/42`. Each value is URL-encoded, so a value cannot change
 * the path's structure (`a/b` becomes `a%2Fb`).
 */
export function expandPlaceholders(template: string, lookup: (expression: string) => unknown): string {
  return template.replace(PLACEHOLDER, (_match, expression: string) => {
    const value = lookup(expression);
    if (value === undefined || value === null) {
      throw new RestError(
        'ERR_VALUE',
        `Path placeholder {{${expression}}} has no value: msg.${expression} is not set.`,
      );
    }
    if (
      typeof value !== 'string' &&
      typeof value !== 'number' &&
      typeof value !== 'boolean' &&
      typeof value !== 'bigint'
    ) {
      const kind = typeof value === 'object' ? 'an object' : `a ${typeof value}`;
      throw new RestError(
        'ERR_VALUE',
        `Path placeholder {{${expression}}} is ${kind}; it must be a string, number or boolean.`,
      );
    }
    const text = String(value);
    // `.` and `..` survive URL-encoding and would move the request to another path.
    if (text === '.' || text === '..') {
      throw new RestError('ERR_VALUE', `Path placeholder {{${expression}}} is "${text}", which would change the path.`);
    }
    return encodeURIComponent(text);
  });
}
