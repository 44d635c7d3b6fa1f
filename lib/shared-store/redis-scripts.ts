/**
 * The Lua scripts that keep the shared state consistent: Redis runs each one atomically, so
 * no other instance sees a half-made change. Times come from Redis (TIME), not from the
 * instances, whose clocks may differ.
 */
import crypto from 'node:crypto';

export interface LuaScript {
  source: string;
  sha: string;
}

function lua(source: string): LuaScript {
  return { source, sha: crypto.createHash('sha1').update(source).digest('hex') };
}

/**
 * One request slot for all instances. KEYS: rate (time of the next allowed start, ms),
 * slots (sorted set: lease id -> expiry, ms). ARGV: maxConcurrent (0: none), interval ms
 * between starts (0: none), lease ms, lease id. Returns {1, 0} when granted, {0, ms to wait}
 * when the rate says so, {0, -1} when every slot is taken (ask again after a short while).
 * A full semaphore consumes no start: the rate slot goes to whoever can use it.
 */
export const ACQUIRE_SLOT = lua(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
if max > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= max then return {0, -1} end
end
if interval > 0 then
  local nextStart = tonumber(redis.call('GET', KEYS[1]) or '0')
  if now < nextStart then return {0, nextStart - now} end
  redis.call('SET', KEYS[1], tostring(now + interval), 'PX', interval + 1000)
end
if max > 0 then
  redis.call('ZADD', KEYS[2], now + lease, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], lease * 2)
end
return {1, 0}
`);

/** Extends the leases this instance holds. KEYS: slots. ARGV: lease ms, lease ids... */
export const RENEW_LEASES = lua(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], lease * 2)
return 1
`);

/**
 * Writes the tokens if the stored version is still `expected` ('' = none stored; '*' = any).
 * KEYS: tokens (hash: data, version), used (sorted set of used refresh token fingerprints).
 * ARGV: expected, sealed data, new version, fingerprint of the refresh token this write
 * retires ('' = none), how many fingerprints to keep. Returns {1, version} or {0, stored version}.
 */
export const WRITE_TOKENS = lua(`
local stored = redis.call('HGET', KEYS[1], 'version') or ''
if ARGV[1] ~= '*' and ARGV[1] ~= stored then return {0, stored} end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'version', ARGV[3])
if ARGV[4] ~= '' then
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[2], tonumber(t[1]), ARGV[4])
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[5]) + 1))
end
return {1, ARGV[3]}
`);

/** Deletes the tokens and records the retired refresh token. KEYS: tokens, used. ARGV: fingerprint or '', keep. */
export const REMOVE_TOKENS = lua(`
redis.call('DEL', KEYS[1])
if ARGV[1] ~= '' then
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[2], tonumber(t[1]), ARGV[1])
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[2]) + 1))
end
return 1
`);

/** Records used refresh tokens. KEYS: used. ARGV: keep, fingerprints... */
export const MARK_USED = lua(`
local t = redis.call('TIME')
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], tonumber(t[1]), ARGV[i]) end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 1))
return 1
`);

/** Releases the refresh lock only if this caller still holds it. KEYS: lock. ARGV: owner. */
export const RELEASE_LOCK = lua(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);
