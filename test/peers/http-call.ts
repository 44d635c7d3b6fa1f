/**
 * Plain Node http/https calls for the peer tests: one request with its whole response body,
 * and a CONNECT tunnel through a proxy. No project code, so a peer test proves the peer, not us.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The raw body (not decompressed). */
  raw: Buffer;
  body: string;
  /** Whether the request went over a kept-alive socket used before. */
  reusedSocket: boolean;
}

export type CallOptions = https.RequestOptions & { url?: string; body?: string };

/** Sends one request (https when `url` or `protocol` says so) and reads the whole response. */
export function httpCall(options: CallOptions): Promise<HttpResponse> {
  const { url, body, ...rest } = options;
  const target = url ? { ...urlOptions(new URL(url)), ...rest } : rest;
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(target, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          raw,
          body: raw.toString('utf8'),
          reusedSocket: req.reusedSocket,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function urlOptions(url: URL): https.RequestOptions {
  return { protocol: url.protocol, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}` };
}

export interface Tunnel {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The tunnel's socket when the proxy answered 200. */
  socket: net.Socket;
}

/** Sends CONNECT `target` ("host:port") to the proxy at `proxyUrl`. */
export function openTunnel(proxyUrl: string, target: string, headers: http.OutgoingHttpHeaders = {}): Promise<Tunnel> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      hostname: proxy.hostname,
      port: proxy.port,
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...headers },
      agent: false,
    });
    req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, headers: res.headers, socket }));
    // A refused CONNECT (e.g. 407) may also arrive as an ordinary response.
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, socket: res.socket });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a GET over an open tunnel (plain HTTP inside it) and reads the response. */
export function getThroughTunnel(
  socket: net.Socket,
  target: string,
  path = '/',
  headers: http.OutgoingHttpHeaders = {},
): Promise<HttpResponse> {
  return httpCall({ path, createConnection: () => socket, headers: { host: target, ...headers } });
}
