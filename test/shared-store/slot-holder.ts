/**
 * A Node-RED instance stand-in for the lease test: takes the one concurrency slot of a shared
 * connection, says "holding", and keeps it (renewing the lease) until it is killed.
 * Usage: node --import tsx slot-holder.ts <redis url> <connection id> <lease ms>
 */
import { openConnectionState } from '../../lib/shared-store/connection-state';

async function main(): Promise<void> {
  const [url, connectionId, leaseMs] = process.argv.slice(2);
  if (!url || !connectionId || !leaseMs)
    throw new Error('Usage: slot-holder.ts <redis url> <connection id> <lease ms>');
  const state = await openConnectionState(
    { type: 'redis', url, keyPrefix: 'test:' },
    { connectionId, limits: { maxConcurrent: 1 }, warn: (message) => console.error(message), leaseMs: Number(leaseMs) },
  );
  await state.limiter.acquire();
  console.log('holding');
  // Kept alive until killed: the lease renewal timer is unref'd.
  setInterval(() => {}, 60_000);
}

void main();
