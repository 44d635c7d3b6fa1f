/**
 * The APIs behind the proxy in the proxy-authentication tests: HTTP and HTTPS servers on
 * loopback that answer every request with JSON describing it (and read its body), record what
 * they received and count the connections they accepted. The HTTPS one uses a certificate
 * from a CA made at test time (`ca`: what the connection is given as caCert).
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import selfsigned from 'selfsigned';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface LoopbackApi {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Connections accepted so far: through a proxy, one per tunnel or forwarding connection. */
  connections: number;
  openConnections(): Promise<number>;
  close(): Promise<void>;
}

export interface TestCertificates {
  ca: string;
  key: string;
  cert: string;
}

const DAY = 24 * 60 * 60 * 1000;

/** A CA and a certificate it signs for 127.0.0.1 and localhost. */
export async function makeCertificates(): Promise<TestCertificates> {
  const validity = { notBeforeDate: new Date(Date.now() - DAY), notAfterDate: new Date(Date.now() + 30 * DAY) };
  const ca = await selfsigned.generate([{ name: 'commonName', value: 'Proxy Auth Test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...validity,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const leaf = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...validity,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { ca: ca.cert, key: leaf.private, cert: leaf.cert };
}

/** `handler` may answer instead of the echo (return true when it did). */
export async function startApi(
  tls?: TestCertificates,
  handler?: (request: ReceivedRequest, res: http.ServerResponse) => boolean,
): Promise<LoopbackApi> {
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }) : http.createServer();
  const api = { requests: [] as ReceivedRequest[], connections: 0 };
  server.on('connection', () => api.connections++);
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      api.requests.push(received);
      if (handler?.(received, res)) return;
      const answer = JSON.stringify({ method: received.method, url: received.url, bodyLength: body.length });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(api, {
    port,
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    openConnections: () => new Promise<number>((resolve) => server.getConnections((_err, count) => resolve(count))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
