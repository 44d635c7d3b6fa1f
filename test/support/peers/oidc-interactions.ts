/**
 * The login and consent pages of the test OpenID Provider (oidc-provider leaves these to the
 * application; its devInteractions are a development-only stand-in that warns on every start).
 * Plain HTML forms, served under /interaction/:uid where the provider's interaction cookies live:
 *
 *   GET  /interaction/:uid          login form (login, password) or consent form
 *   POST /interaction/:uid/login    checks the password; a wrong one shows the form again, 401
 *   POST /interaction/:uid/consent  grants the scopes and claims asked for
 *   GET  /interaction/:uid/abort    ends the interaction with access_denied
 */
import type http from 'node:http';
import type Provider from 'oidc-provider' with { 'resolution-mode': 'import' };

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(res: http.ServerResponse, status: number, title: string, body: string): void {
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
}

function loginForm(uid: string, error?: string): string {
  return `${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
  <input type="text" name="login" required>
  <input type="password" name="password" required>
  <button type="submit">Sign in</button>
</form>`;
}

function consentForm(uid: string, clientId: string, scopes: string[]): string {
  return `<p>${escapeHtml(clientId)} asks for: ${escapeHtml(scopes.join(' ') || '(no new scope)')}</p>
<form method="post" action="/interaction/${uid}/consent">
  <button type="submit">Allow</button>
</form>
<a href="/interaction/${uid}/abort">Deny</a>`;
}

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

/** Returns a request handler for /interaction/* that checks logins against `users` (login → password). */
export function interactionHandler(provider: Provider, users: Record<string, string>) {
  return async function handleInteraction(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const [, , uid, action] = new URL(req.url ?? '/', 'http://x').pathname.split('/');
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error(`interaction ${uid} is not the one in the cookie`);
    const { prompt, params, grantId, session } = details;

    if (req.method === 'GET' && !action) {
      if (prompt.name === 'login') return page(res, 200, 'Sign in', loginForm(uid));
      const scopes = (prompt.details.missingOIDCScope as string[] | undefined) ?? [];
      return page(res, 200, 'Authorize', consentForm(uid, String(params.client_id), scopes));
    }
    if (req.method === 'GET' && action === 'abort') {
      const result = { error: 'access_denied', error_description: 'End-User denied the request' };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }
    if (req.method === 'POST' && action === 'login' && prompt.name === 'login') {
      const form = await readForm(req);
      const login = form.get('login') ?? '';
      if (!Object.hasOwn(users, login) || users[login] !== form.get('password')) {
        return page(res, 401, 'Sign in', loginForm(uid, 'Invalid login or password.'));
      }
      const result = { login: { accountId: login } };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }
    if (req.method === 'POST' && action === 'consent' && prompt.name === 'consent') {
      const grant = grantId
        ? await provider.Grant.find(grantId)
        : new provider.Grant({ accountId: session?.accountId, clientId: String(params.client_id) });
      if (!grant) throw new Error(`grant ${grantId} not found`);
      const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const result = { consent: { grantId: await grant.save() } };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
    }
    page(res, 400, 'Unexpected step', `<p>${escapeHtml(`${req.method} ${action ?? ''} during ${prompt.name}`)}</p>`);
  };
}
