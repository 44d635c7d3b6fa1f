/**
 * The one loopback API of the suite: an HTTP or HTTPS server on 127.0.0.1 and a free port that
 * reads each request's body, records what went on the wire, counts connections and answers from
 * `routes`, a `handler`, or by default with JSON describing the request. Call `close()` after.
 *
 *   const api = await startServer({ routes: { 'GET /users': [{ id: 1 }] } });
 *   const tls = await startServer({ tls: { key, cert } });           // tls.url is https://…
 *   const raw = await startServer({ handler: (req, res, received) => res.end('x') });
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';

export interface ReceivedRequest {
  method: string;
  /** The request target as sent, e.g. `/v1/users?page=2`. */
  url: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The common name of the client certificate, over mutual TLS. */
  clientCertificate?: string;
}

/** Answers a request (the body is already read); may return `false` to fall through to the echo. */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, received: ReceivedRequest) => unknown;

/** `'GET /path'` or `'/path'` → a handler, or a value answered as JSON with status 200. */
export type Routes = Record<string, Handler | object | string | number | boolean | null>;

export interface ServerOptions {
  routes?: Routes;
  handler?: Handler;
  /** Serve HTTPS with these options (key, cert, ca, requestCert, minVersion…). */
  tls?: https.ServerOptions;
}

export interface LoopbackServer {
  server: http.Server;
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** The routes it answers from: a test may add or replace one while the server runs. */
  routes: Routes;
  /** Connections accepted so far: through a proxy, one per tunnel or forwarded connection. */
  connections: number;
  /** TLS handshakes that failed (recorded instead of crashing the test). */
  tlsErrors: Error[];
  /** Sockets still open (kept-alive connections from clients). */
  openSockets(): number;
  close(): Promise<void>;
}

/** Writes `body` as JSON with its length. */
export function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The default answer: what the server saw. */
export function echo(res: http.ServerResponse, received: ReceivedRequest): void {
  json(res, 200, {
    method: received.method,
    url: received.url,
    bodyLength: received.body.length,
    clientCertificate: received.clientCertificate,
  });
}

function clientCertificateOf(socket: net.Socket): string | undefined {
  const tlsSocket = socket as tls.TLSSocket;
  if (typeof tlsSocket.getPeerCertificate !== 'function') return undefined;
  const subject = tlsSocket.getPeerCertificate()?.subject as { CN?: string } | undefined;
  return subject?.CN;
}

function answer(
  options: ServerOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  received: ReceivedRequest,
) {
  if (options.handler) {
    if (options.handler(req, res, received) !== false) return;
    return echo(res, received);
  }
  if (!options.routes) return echo(res, received);
  const route = options.routes[`${received.method} ${received.path}`] ?? options.routes[received.path];
  if (route === undefined) return json(res, 404, { error: 'not found', path: received.path });
  if (typeof route === 'function') return (route as Handler)(req, res, received);
  json(res, 200, route);
}

/** An HTTP API answering from `routes` (404 JSON for anything else). */
export function startApi(routes: Routes = {}): Promise<LoopbackServer> {
  return startServer({ routes });
}

export async function startServer(options: ServerOptions = {}): Promise<LoopbackServer> {
  const server = options.tls ? https.createServer(options.tls) : http.createServer();
  const sockets = new Set<net.Socket>();
  const state = { requests: [] as ReceivedRequest[], connections: 0, tlsErrors: [] as Error[] };
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: net.Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', (err: Error) => state.tlsErrors.push(err));
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = new URL(req.url ?? '/', 'http://127.0.0.1');
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        path: target.pathname,
        query: Object.fromEntries(target.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        clientCertificate: clientCertificateOf(req.socket),
      };
      state.requests.push(received);
      answer(options, req, res, received);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(state, {
    server,
    port,
    routes: options.routes ?? {},
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    openSockets: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
