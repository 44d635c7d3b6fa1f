/**
 * The request limits of one connection (`maxConcurrent`, `rateLimit`, `maxQueued`), checked
 * once when the connection is built, so a wrong value is a clear ERR_CONFIG at deploy time.
 */
import { RestError } from '../errors';
import { textOf } from '../text-of';

export interface LimitSettings {
  /** Requests of the connection in flight at once; 0: no limit. */
  maxConcurrent: number;
  /** Requests started per second (decimals allowed: 0.5 is one every 2 s); 0: no limit. */
  rateLimit: number;
  /** Requests that may wait for their turn; one more fails at once with ERR_QUEUE_FULL. */
  maxQueued: number;
}

export const DEFAULT_LIMITS: LimitSettings = { maxConcurrent: 0, rateLimit: 0, maxQueued: 1000 };

const RANGES: Record<keyof LimitSettings, { max: number; integer: boolean }> = {
  maxConcurrent: { max: 10_000, integer: true },
  rateLimit: { max: 100_000, integer: false },
  maxQueued: { max: 1_000_000, integer: true },
};

/** The settings with defaults for the missing ones; ERR_CONFIG names the first wrong one. */
export function checkLimitSettings(settings: Partial<Record<keyof LimitSettings, unknown>>): LimitSettings {
  const checked = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(RANGES) as (keyof LimitSettings)[]) {
    const value = settings[name];
    if (value === undefined) continue;
    const { max, integer } = RANGES[name];
    const valid =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= 0 &&
      value <= max &&
      (!integer || Number.isInteger(value));
    if (!valid) {
      throw new RestError(
        'ERR_CONFIG',
        `Connection setting ${name} must be ${integer ? 'a whole number' : 'a number'} from 0 to ${max}, not "${textOf(value).slice(0, 40)}".`,
      );
    }
    checked[name] = value;
  }
  return checked;
}

export function hasLimits(settings: LimitSettings): boolean {
  return settings.maxConcurrent > 0 || settings.rateLimit > 0;
}
