/**
 * The Debian packages the peer tests run, and the guard a test calls before starting one:
 * outside CI a missing package skips the tests with the command that installs it; in CI
 * (CI=true), where `.ci/run` installs them, a missing package is a failure.
 *
 *   before(function () {
 *     requirePeer(this, 'squid');
 *   });
 */
import fs from 'node:fs';

export interface DebianPeer {
  /** The binary the launcher runs. */
  binary: string;
  /** The Debian package that installs it. */
  debianPackage: string;
}

export const DEBIAN_PEERS = {
  squid: { binary: '/usr/sbin/squid', debianPackage: 'squid' },
  nginx: { binary: '/usr/sbin/nginx', debianPackage: 'nginx-light' },
  redis: { binary: '/usr/bin/redis-server', debianPackage: 'redis-server' },
} as const satisfies Record<string, DebianPeer>;

export type DebianPeerName = keyof typeof DEBIAN_PEERS;

/** Why the peer cannot run here (with the command that fixes it), or undefined when it can. */
export function missingPeer(name: DebianPeerName): string | undefined {
  const { binary, debianPackage } = DEBIAN_PEERS[name];
  if (fs.existsSync(binary)) return undefined;
  return `${binary} is missing: install Debian's ${debianPackage} with "apt-get update && apt-get install -y ${debianPackage}"`;
}

/** Throws when the peer's binary is missing (for launchers, so a forgotten guard still says what to do). */
export function assertPeerInstalled(name: DebianPeerName): string {
  const missing = missingPeer(name);
  if (missing) throw new Error(`${name} cannot start: ${missing}`);
  return DEBIAN_PEERS[name].binary;
}

/** In a mocha hook or test: skips (outside CI) or fails (CI=true) when the peer is not installed. */
export function requirePeer(context: Mocha.Context, name: DebianPeerName): void {
  const missing = missingPeer(name);
  if (!missing) return;
  if (process.env.CI === 'true') throw new Error(`the ${name} tests need ${name} in CI: ${missing}`);
  console.warn(`      [${name}] skipped: ${missing}`);
  context.skip();
}
