/** The query of a request: the node's and the message's parameters over the connection's. */
import type { NameValue } from '../types';

export type QueryValue = string | number | boolean | (string | number | boolean)[] | null | undefined;

/**
 * Sets the merged parameters on `url`: `query` over `connectionQuery`; an array value becomes a
 * repeated parameter; null and undefined leave the URL's own value as it is.
 */
export function mergeQuery(
  url: URL,
  connectionQuery: NameValue[],
  query: Record<string, QueryValue> | undefined,
): void {
  const merged = new Map<string, QueryValue>();
  for (const { name, value } of connectionQuery ?? []) if (name) merged.set(name, value);
  for (const [name, value] of Object.entries(query ?? {})) merged.set(name, value);
  for (const [name, value] of merged) {
    if (value === undefined || value === null) continue;
    url.searchParams.delete(name);
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, String(item));
    else url.searchParams.set(name, String(value));
  }
}
