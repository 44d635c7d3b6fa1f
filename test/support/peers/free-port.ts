/**
 * A free TCP port on 127.0.0.1 for a peer that takes its port from a config file or its
 * environment, and a retry for the rare case where another process takes that port before the
 * peer binds it.
 *
 *   const squid = await onFreePort((port) => launch(port));   // launch throws PortInUseError on a clash
 */
import net from 'node:net';

/** Thrown by a launcher whose peer could not bind its port because something else took it. */
export class PortInUseError extends Error {
  constructor(
    readonly peer: string,
    readonly port: number,
  ) {
    super(`${peer} could not listen on 127.0.0.1:${port}: the port is in use`);
    this.name = 'PortInUseError';
  }
}

/** Asks the kernel for a port that is free right now (there is no way to hold it for another process). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs `start` on a free port, and again on another one (three tries in all) while the port was taken. */
export async function onFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt === 3) throw err;
    }
  }
}
