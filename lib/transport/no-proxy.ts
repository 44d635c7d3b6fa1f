/**
 * NO_PROXY matching, with the semantics curl and most tools share: `*` bypasses every host;
 * `example.com`, `.example.com` and `*.example.com` bypass that domain and its subdomains;
 * an entry with `:port` applies to that port only. Entries are separated by commas or spaces.
 */

interface NoProxyEntry {
  /** Lower-case host name or IP address, without a leading dot/`*.` and without brackets. */
  host: string;
  /** 0 means any port. */
  port: number;
}

export class NoProxyList {
  private readonly bypassAll: boolean;
  private readonly entries: NoProxyEntry[];

  constructor(list: string | undefined) {
    const items = (list ?? '')
      .toLowerCase()
      .split(/[,\s]+/)
      .filter((item) => item.length > 0);
    this.bypassAll = items.includes('*');
    this.entries = items.filter((item) => item !== '*').map(parseEntry);
  }

  get isEmpty(): boolean {
    return !this.bypassAll && this.entries.length === 0;
  }

  /** True when a request to `hostname:port` must go directly, not through the proxy. */
  bypasses(hostname: string, port: number): boolean {
    if (this.bypassAll) return true;
    const host = stripBrackets(hostname.toLowerCase()).replace(/\.$/, '');
    return this.entries.some(
      (entry) => (entry.port === 0 || entry.port === port) && (host === entry.host || host.endsWith(`.${entry.host}`)),
    );
  }
}

function parseEntry(item: string): NoProxyEntry {
  let host = item;
  let port = 0;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(item);
  const hostAndPort = /^([^:]+):(\d+)$/.exec(item);
  if (bracketed) {
    const [, address = '', portText] = bracketed;
    host = address;
    port = portText ? Number(portText) : 0;
  } else if (hostAndPort) {
    // A bare IPv6 address has several colons and no port: it does not match this pattern.
    const [, name = '', portText] = hostAndPort;
    host = name;
    port = Number(portText);
  }
  host = host.replace(/^\*?\.+/, '').replace(/\.$/, '');
  return { host, port };
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
