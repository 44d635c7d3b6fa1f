/**
 * nginx (Debian `nginx-light`) as an HTTP or HTTPS API on loopback, with its own nginx.conf in a
 * temp dir (one process, `master_process off`, all temp paths inside the dir, so no root dirs).
 *
 *   requirePeer(this, 'nginx');
 *   const pki = await getTestPki();
 *   const api = await startNginx({
 *     tls: { cert: pki.server.cert, key: pki.server.key, protocols: ['TLSv1.2'], clientCa: pki.ca.cert, verifyClient: 'on' },
 *   });
 *   api.url;            // https://127.0.0.1:<port>
 *   api.accessLog();    // [{ method, uri, status, sslProtocol, clientVerify, connection, … }]
 *   await api.close();
 *
 * Routes
 * - GET /echo                 JSON {clientVerify, clientDn, sslProtocol, serverName, method, uri, authorization}
 *                             from nginx's own variables ($ssl_client_verify "SUCCESS" | "NONE" | "FAILED:…");
 *                             values are not JSON-escaped (a `"` in an Authorization header breaks it).
 * - GET /files/<name>         a file from `files` (default: data.json), with Content-Length.
 * - GET /chunked/<name>       the same file sent with Transfer-Encoding: chunked and no Content-Length.
 * - /proxy/<path>             proxied to `proxyTo` + /<path> (only when proxyTo is given).
 * JSON responses are gzip-encoded for a client that sends Accept-Encoding: gzip (also chunked),
 * unless `gzip: false`.
 *
 * Options
 * - tls: cert and key (PEM text) turn on HTTPS; protocols sets ssl_protocols (default TLSv1.2 and
 *   TLSv1.3); clientCa + verifyClient ('on' | 'optional' | 'optional_no_ca', default 'on') ask
 *   for a client certificate. With 'on', a request without an acceptable certificate gets
 *   nginx's 400 page ("No required SSL certificate was sent" / "The SSL certificate error").
 * - files: name → content served under /files and /chunked (`.json` files as application/json).
 * - gzip: gzip JSON (default true).
 * - proxyTo: an upstream base URL for /proxy/.
 * - extraConfig: more directives inside the server block.
 *
 * The access log has one JSON object per request; `connection` and `connectionRequests` tell
 * how many TCP/TLS connections a client opened and reused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { assertPeerInstalled } from './debian-peers';
import { onFreePort } from './free-port';
import { createPeerDir, removePeerDir, writePeerFile } from './peer-dir';
import { startPeerProcess } from './peer-process';

export interface NginxTlsOptions {
  cert: string;
  key: string;
  protocols?: ('TLSv1.2' | 'TLSv1.3')[];
  clientCa?: string;
  verifyClient?: 'on' | 'optional' | 'optional_no_ca';
}

export interface NginxOptions {
  tls?: NginxTlsOptions;
  files?: Record<string, string | Buffer>;
  gzip?: boolean;
  proxyTo?: string;
  extraConfig?: string[];
}

export interface NginxLogEntry {
  method: string;
  uri: string;
  status: number;
  bytesSent: number;
  /** "TLSv1.2", "TLSv1.3", or "" over plain HTTP. */
  sslProtocol: string;
  clientVerify: string;
  /** nginx's connection serial number: equal numbers mean a reused connection. */
  connection: number;
  /** The number of requests made so far on that connection. */
  connectionRequests: number;
  contentEncoding: string;
}

export interface NginxServer {
  /** http(s)://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  accessLog(): NginxLogEntry[];
  close(): Promise<void>;
}

/** The default file: a small JSON list. */
export const DEFAULT_DATA = JSON.stringify({
  items: Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, active: i % 2 === 0 })),
});

const LOG_FORMAT = [
  '{"method":"$request_method","uri":"$request_uri","status":$status,"bytesSent":$bytes_sent,',
  '"sslProtocol":"$ssl_protocol","clientVerify":"$ssl_client_verify","connection":$connection,',
  '"connectionRequests":$connection_requests,"contentEncoding":"$sent_http_content_encoding"}',
].join('');

const ECHO = [
  '{"clientVerify":"$ssl_client_verify","clientDn":"$ssl_client_s_dn","sslProtocol":"$ssl_protocol",',
  '"serverName":"$ssl_server_name","method":"$request_method","uri":"$request_uri","authorization":"$http_authorization"}',
].join('');

function tlsConfig(dir: string, tls: NginxTlsOptions): string[] {
  const lines = [
    `ssl_certificate ${writePeerFile(dir, 'tls/server.crt', tls.cert)};`,
    `ssl_certificate_key ${writePeerFile(dir, 'tls/server.key', tls.key)};`,
    `ssl_protocols ${(tls.protocols ?? ['TLSv1.2', 'TLSv1.3']).join(' ')};`,
  ];
  if (tls.clientCa) {
    lines.push(
      `ssl_client_certificate ${writePeerFile(dir, 'tls/client-ca.crt', tls.clientCa)};`,
      `ssl_verify_client ${tls.verifyClient ?? 'on'};`,
    );
  }
  return lines;
}

function nginxConf(dir: string, port: number, options: NginxOptions): string {
  const at = (name: string) => path.join(dir, name);
  const gzip = options.gzip ?? true;
  return `
master_process off;
pid ${at('nginx.pid')};
error_log ${at('error.log')} notice;
events { worker_connections 512; }
http {
  client_body_temp_path ${at('temp/client_body')};
  proxy_temp_path ${at('temp/proxy')};
  fastcgi_temp_path ${at('temp/fastcgi')};
  uwsgi_temp_path ${at('temp/uwsgi')};
  scgi_temp_path ${at('temp/scgi')};
  log_format peers escape=json '${LOG_FORMAT}';
  access_log ${at('access.log')} peers;
  types { application/json json; text/plain txt; }
  default_type application/octet-stream;
  gzip ${gzip ? 'on' : 'off'};
  gzip_types application/json;
  gzip_min_length 1;
  server {
    listen 127.0.0.1:${port}${options.tls ? ' ssl' : ''};
    ${options.tls ? tlsConfig(dir, options.tls).join('\n    ') : ''}
    location = /echo {
      default_type application/json;
      return 200 '${ECHO}';
    }
    location /files/ {
      alias ${at('files')}/;
    }
    location /chunked/ {
      alias ${at('files')}/;
      # A body filter (that never matches) drops Content-Length, so nginx sends the file chunked.
      sub_filter_types *;
      sub_filter 'no-such-text-in-any-file' '';
    }
    ${options.proxyTo ? `location /proxy/ { proxy_pass ${options.proxyTo.replace(/\/$/, '')}/; proxy_http_version 1.1; }` : ''}
    ${(options.extraConfig ?? []).join('\n    ')}
  }
}
`;
}

export function parseNginxAccessLog(text: string): NginxLogEntry[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as NginxLogEntry);
}

/** Starts nginx on a free loopback port; resolves once it accepts connections. */
export async function startNginx(options: NginxOptions = {}): Promise<NginxServer> {
  const binary = assertPeerInstalled('nginx');
  return onFreePort(async (port) => {
    const dir = createPeerDir('nginx');
    try {
      fs.mkdirSync(path.join(dir, 'temp'));
      const files = options.files ?? { 'data.json': DEFAULT_DATA };
      for (const [name, content] of Object.entries(files)) writePeerFile(dir, path.join('files', name), content, 0o644);
      const conf = writePeerFile(dir, 'nginx.conf', nginxConf(dir, port, options));
      const child = await startPeerProcess({
        name: 'nginx',
        command: binary,
        args: ['-p', `${dir}/`, '-e', path.join(dir, 'error.log'), '-c', conf, '-g', 'daemon off;'],
        port,
      });
      const logFile = path.join(dir, 'access.log');
      return {
        url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
        port,
        dir,
        accessLog: () => (fs.existsSync(logFile) ? parseNginxAccessLog(fs.readFileSync(logFile, 'utf8')) : []),
        async close() {
          await child.stop();
          removePeerDir(dir);
        },
      };
    } catch (err) {
      removePeerDir(dir);
      throw err;
    }
  });
}
