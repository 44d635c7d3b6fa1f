/**
 * A loopback HTTP server that records every request (method, URL with its query, headers, form
 * body) and answers what the test's `answer` function says: the token endpoint and the API of
 * the OAuth2 tests that need to see exactly what the client sent.
 *
 *   const server = await startRecordingServer((req) => ({ status: 200, body: { access_token: 'a' } }));
 *   server.url; server.requests[0].form.grant_type; await server.close();
 */
import http from 'node:http';
import type net from 'node:net';

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as a form (empty for other bodies). */
  form: Record<string, string>;
}

export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface RecordingServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  answer: (request: RecordedRequest) => Answer | Promise<Answer>;
  close(): Promise<void>;
}

export async function startRecordingServer(
  answer: (request: RecordedRequest) => Answer | Promise<Answer>,
): Promise<RecordingServer> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const recording: RecordingServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: [],
    answer,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const isForm = /application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '');
      const request: RecordedRequest = {
        method: req.method ?? '',
        url: new URL(req.url ?? '/', recording.url),
        headers: req.headers,
        text,
        form: isForm ? Object.fromEntries(new URLSearchParams(text)) : {},
      };
      recording.requests.push(request);
      Promise.resolve(recording.answer(request))
        .then(({ status = 200, headers = {}, body = {} }) => {
          const payload = typeof body === 'string' ? body : JSON.stringify(body);
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(payload);
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
    });
  });
  return recording;
}
