/**
 * Plays the user of the test OpenID Provider over plain HTTP, like a browser with a cookie jar:
 * follows redirects, fills and submits the forms the provider's pages show (login, consent,
 * device user code, device confirmation), and stops where the provider sends the browser back
 * to the client.
 *
 *   const user = new OidcUser({ login: 'alice', password: 'wonderland' });
 *   const back = await user.authorize(authorizationUrl);   // { url, code, state, iss } or { error }
 *   await user.confirmDevice(verificationUriComplete);       // or (verificationUri, userCode)
 *
 * One OidcUser keeps its cookies, so a second authorize() finds the session of the first
 * (no login form again, like a browser). A wrong password throws LoginRefusedError; a form the
 * provider shows again with the same answers (an unknown user code) ends the walk with its title.
 */

export interface OidcUserOptions {
  login?: string;
  password?: string;
  /** What to answer on the consent page (default allow). */
  consent?: 'allow' | 'deny';
}

/** Where the provider sent the browser back to the client. */
export interface AuthorizationResult {
  url: URL;
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  errorDescription?: string;
}

export class LoginRefusedError extends Error {
  constructor(login: string) {
    super(`the provider refused the login of "${login}"`);
    this.name = 'LoginRefusedError';
  }
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

interface Form {
  action: string;
  method: string;
  fields: Map<string, string>;
}

const decodeEntities = (text: string) =>
  text.replace(
    /&(amp|lt|gt|quot|#39|#x2F);/g,
    (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x2F': '/' })[e]!,
  );

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return match ? decodeEntities(match[1] ?? match[2] ?? match[3] ?? '') : undefined;
}

/** The first form of a page with its inputs (hidden ones keep their value). */
function parseForm(html: string): Form | undefined {
  const match = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!match) return undefined;
  const [, formTag = '', body = ''] = match;
  const fields = new Map<string, string>();
  for (const input of body.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(input, 'name');
    if (name) fields.set(name, attribute(input, 'value') ?? '');
  }
  return {
    action: attribute(formTag, 'action') ?? '',
    method: (attribute(formTag, 'method') ?? 'get').toUpperCase(),
    fields,
  };
}

export class OidcUser {
  readonly login: string;
  readonly password: string;
  readonly consent: 'allow' | 'deny';
  /** Every URL this user requested, in order (for failure messages). */
  readonly visited: string[] = [];
  private cookies: Cookie[] = [];

  constructor(options: OidcUserOptions = {}) {
    this.login = options.login ?? 'alice';
    this.password = options.password ?? 'wonderland';
    this.consent = options.consent ?? 'allow';
  }

  /** Opens the authorization URL and goes through login and consent until the redirect back to the client. */
  async authorize(authorizationUrl: string): Promise<AuthorizationResult> {
    const outcome = await this.browse(authorizationUrl);
    if (!(outcome instanceof URL)) throw new Error(`the provider showed "${outcome}" instead of redirecting back`);
    const params = outcome.searchParams;
    const value = (name: string) => params.get(name) ?? undefined;
    return {
      url: outcome,
      code: value('code'),
      state: value('state'),
      iss: value('iss'),
      error: value('error'),
      errorDescription: value('error_description'),
    };
  }

  /**
   * Enters the user code on the device page (verification_uri + code, or verification_uri_complete),
   * confirms it, logs in and consents. Resolves with the title of the last page ("Sign-in Success").
   */
  async confirmDevice(verificationUri: string, userCode?: string): Promise<string> {
    const outcome = await this.browse(verificationUri, userCode);
    if (outcome instanceof URL) throw new Error(`the device flow left the provider for ${outcome.href}`);
    return outcome;
  }

  /** Follows the provider's pages; returns the URL that leaves the provider, or the title of a page without a form. */
  private async browse(start: string, userCode?: string): Promise<URL | string> {
    const origin = new URL(start).origin;
    let url = new URL(start);
    let request: RequestInit = { method: 'GET' };
    let submitted = '';
    for (let step = 0; step < 30; step++) {
      this.visited.push(`${request.method} ${url.href}`);
      const res = await fetch(url, { ...request, redirect: 'manual', headers: this.headersFor(url, request) });
      this.storeCookies(res.headers.getSetCookie());
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        url = new URL(location, url);
        if (url.origin !== origin) return url;
        request = { method: 'GET' };
        continue;
      }
      const html = await res.text();
      const form = parseForm(html);
      const title = decodeEntities(/<title>([^<]*)<\/title>/i.exec(html)?.[1] ?? '');
      if (res.status === 401 && form?.fields.has('password')) throw new LoginRefusedError(this.login);
      if (!form) {
        if (res.status >= 400)
          throw new Error(`the provider answered ${res.status} at ${url.href}: ${html.slice(0, 300)}`);
        return title;
      }
      const deny = /href="([^"]*\/abort)"/.exec(html)?.[1];
      if (this.consent === 'deny' && deny) {
        url = new URL(decodeEntities(deny), url);
        request = { method: 'GET' };
        continue;
      }
      const fields = new URLSearchParams();
      for (const [name, value] of form.fields) {
        const filled = { login: this.login, password: this.password, user_code: value || userCode }[name];
        fields.set(name, filled ?? value);
      }
      url = new URL(form.action, url);
      request = form.method === 'POST' ? { method: 'POST', body: fields.toString() } : { method: 'GET' };
      if (form.method !== 'POST') url.search = fields.toString();
      // The same form with the same answers again (the xsrf token changes on every page): the
      // provider refused them, e.g. an unknown user code.
      const answers = new URLSearchParams([...fields].filter(([name]) => name !== 'xsrf'));
      const submission = `${form.method} ${url.href} ${answers}`;
      if (submission === submitted) return title;
      submitted = submission;
    }
    throw new Error(`no way out of the provider's pages after 30 steps:\n${this.visited.join('\n')}`);
  }

  private headersFor(url: URL, request: RequestInit): Record<string, string> {
    const headers: Record<string, string> = {};
    const cookies = this.cookies.filter(
      (c) => url.pathname === c.path || url.pathname.startsWith(c.path.replace(/\/?$/, '/')),
    );
    if (cookies.length) headers.cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    if (request.body) headers['content-type'] = 'application/x-www-form-urlencoded';
    return headers;
  }

  private storeCookies(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (key: string) =>
        attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1) ?? undefined;
      const path = attr('path') ?? '/';
      const expires = attr('expires');
      const maxAge = attr('max-age');
      const expired =
        (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= Date.now());
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!expired) this.cookies.push({ name, value, path });
    }
  }
}
