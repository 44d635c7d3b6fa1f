/**
 * A loopback HTTP API that counts what a limiter lets through: requests in flight at once (the
 * most seen), the arrival time and label of each request. It holds each request `holdMs` before
 * answering, and answers the status `statusFor` gives (default 200).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Arrival {
  label: string;
  at: number;
}

export interface CountingServer {
  url: string;
  arrivals: Arrival[];
  readonly maxInFlight: number;
  readonly inFlight: number;
  /** GET `url/<label>`; resolves with the status code. */
  get(label: string): Promise<number>;
  close(): Promise<void>;
}

export async function startCountingServer(
  options: { holdMs?: number; statusFor?: (label: string, seen: number) => number } = {},
): Promise<CountingServer> {
  const { holdMs = 0, statusFor = () => 200 } = options;
  const arrivals: Arrival[] = [];
  const seenPerLabel = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    const label = decodeURIComponent((req.url ?? '/').slice(1));
    arrivals.push({ label, at: performance.now() });
    const seen = (seenPerLabel.get(label) ?? 0) + 1;
    seenPerLabel.set(label, seen);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      res.writeHead(statusFor(label, seen), { 'content-type': 'text/plain' }).end('ok');
    }, holdMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new http.Agent({ keepAlive: true });
  return {
    url,
    arrivals,
    get maxInFlight() {
      return maxInFlight;
    },
    get inFlight() {
      return inFlight;
    },
    get(label: string) {
      return new Promise<number>((resolve, reject) => {
        http
          .get(`${url}/${encodeURIComponent(label)}`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    },
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The time between the first and the last arrival, in ms. */
export function arrivalSpan(arrivals: Arrival[]): number {
  const [first] = arrivals;
  const last = arrivals.at(-1);
  return first && last ? last.at - first.at : 0;
}
