/**
 * A proxy-chain proxy on 127.0.0.1 and a free port that records what it saw. With
 * `username`/`password` it requires Basic auth; with `httpsOptions` ({key, cert}) the proxy itself
 * is served over TLS. `log` holds one entry per proxied request (never the password).
 */

/** What proxy-chain tells prepareRequestFunction (the part used here). */
interface PrepareOptions {
  request: { method?: string };
  username: string;
  password: string;
  hostname: string;
  port: number;
  isHttp: boolean;
}

export interface ProxyLogEntry {
  method: string;
  isHttp: boolean;
  hostname: string;
  port: number;
  username: string;
  authorized: boolean;
  /** The status a CONNECT was refused with after authentication (see `refusals`), or 0. */
  refused: number;
}

export interface LoopbackProxy {
  port: number;
  /** The proxy's URL without credentials. */
  url: string;
  log: ProxyLogEntry[];
  /** port → status: CONNECT to that port is refused with that status once authenticated, as proxies that tunnel only to TLS ports do. */
  refusals: Map<number, number>;
  /** Client connections the proxy holds open. */
  openConnections(): number;
  close(): Promise<void>;
}

export async function startProxy(
  options: { username?: string; password?: string; httpsOptions?: { key: string; cert: string } } = {},
): Promise<LoopbackProxy> {
  const log: ProxyLogEntry[] = [];
  // proxy-chain is an ES module; tsx runs tests as CommonJS, hence import().
  const { Server: ProxyServer, RequestError } = await import('proxy-chain');
  const refusals = new Map<number, number>();
  const common = {
    port: 0,
    host: '127.0.0.1',
    prepareRequestFunction: ({ request, username, password, hostname, port, isHttp }: PrepareOptions) => {
      const authorized =
        options.username === undefined || (username === options.username && password === options.password);
      const refused = authorized && request.method === 'CONNECT' ? (refusals.get(port) ?? 0) : 0;
      log.push({ method: request.method ?? '', isHttp, hostname, port, username, authorized, refused });
      if (refused) throw new RequestError('CONNECT is not allowed to this port', refused);
      return { requestAuthentication: !authorized };
    },
  };
  const proxy = options.httpsOptions
    ? new ProxyServer({ ...common, serverType: 'https', httpsOptions: options.httpsOptions })
    : new ProxyServer(common);
  proxy.on('tlsError', () => {});
  await proxy.listen();
  return {
    port: proxy.port,
    url: `${options.httpsOptions ? 'https' : 'http'}://127.0.0.1:${proxy.port}`,
    log,
    refusals,
    openConnections: () => proxy.getConnectionIds().length,
    close: () => proxy.close(true),
  };
}
