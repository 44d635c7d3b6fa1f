/**
 * When to try again: network errors and 429/502/503/504, honouring the server's Retry-After
 * (seconds or HTTP date) up to a cap, otherwise exponential backoff with jitter, so many
 * edge devices failing together do not retry in lockstep.
 */
import type { RetryObject } from './load-got';

export const RETRYABLE_STATUS_CODES = [429, 502, 503, 504] as const;
/** A server asking us to wait longer than this gets an error instead of a blocked flow. */
export const MAX_RETRY_AFTER_MS = 60_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 10_000;

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  // "Equal jitter": at least half the step, so retries still back off.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** got's calculateDelay: `computedValue` is got's own verdict (0 = do not retry: limit, method, code). */
export function computeRetryDelay({ attemptCount, retryAfter, computedValue }: RetryObject): number {
  if (computedValue === 0) return 0;
  if (retryAfter !== undefined) return retryAfter > MAX_RETRY_AFTER_MS ? 0 : retryAfter;
  return backoffDelay(attemptCount);
}
