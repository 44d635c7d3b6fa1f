/**
 * The loopback REST API the smoke flow calls: basic authentication (401 without the right
 * credentials, so a rows answer proves Node-RED decrypted them), a list, a value and a 404.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const API_USER = { username: 'smoke-user', password: 'sm0ke pass/wörd+=' };
export const USERS = [
  { id: 1, name: 'Ada', email: 'ada@example.test' },
  { id: 2, name: 'Grace', email: 'grace@example.test' },
  { id: 3, name: 'Linus', email: 'linus@example.test' },
];
export const STATS = { total: '42.5' };

export interface SmokeApi {
  url: string;
  /** Requests refused for missing or wrong credentials. */
  unauthorized: number;
  close(): Promise<void>;
}

export async function startSmokeApi(): Promise<SmokeApi> {
  const expected = 'Basic ' + Buffer.from(`${API_USER.username}:${API_USER.password}`).toString('base64');
  const routes: Record<string, unknown> = { '/v1/users': { data: USERS }, '/v1/stats': STATS };
  const api: SmokeApi = { url: '', unauthorized: 0, close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== expected) {
      api.unauthorized++;
      return send(401, { error: 'unauthorized' });
    }
    const body = routes[new URL(req.url ?? '/', 'http://127.0.0.1').pathname];
    if (body === undefined) send(404, { error: 'not found' });
    else send(200, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return api;
}
