/**
 * The message of an ERR_PROXY for a 407: it names the scheme the proxy asked for, so "refused
 * the credentials" is only said when the proxy checked them. Wording only (no transport state),
 * so it can move into a shared error-mapping module.
 */
import type { AnswerableScheme, ProxyAuthFailure } from './proxy-authenticator';

const STATUS = '407 Proxy Authentication Required';
const SCHEME_NAMES: Record<AnswerableScheme, string> = { basic: 'Basic', digest: 'Digest', ntlm: 'NTLM' };
const SUPPORTED = 'NTLM, Digest (MD5, SHA-256 or SHA-512-256 with qop=auth) and Basic';

/**
 * @param proxy the proxy's safe label (protocol, host, port)
 * @param failure what the handshake found; undefined when only the status is known
 */
export function proxyAuthMessage(proxy: string, hasCredentials: boolean, failure?: ProxyAuthFailure): string {
  if (!failure) {
    return hasCredentials
      ? `The proxy ${proxy} refused the credentials (${STATUS}): check proxyUsername, proxyPassword and proxyDomain`
      : `The proxy ${proxy} requires authentication (${STATUS}): set proxyUsername and proxyPassword`;
  }
  const asked = listOf(failure.offered);
  switch (failure.kind) {
    case 'refused': {
      const scheme = failure.scheme ? `${SCHEME_NAMES[failure.scheme]}, ` : '';
      return `The proxy ${proxy} refused the credentials (${scheme}${STATUS}): check proxyUsername, proxyPassword and proxyDomain`;
    }
    case 'credentials-needed':
      return `The proxy ${proxy} requires authentication (${STATUS}${asked ? `; it asks for ${asked}` : ''}): set proxyUsername and proxyPassword`;
    case 'scheme-not-offered': {
      const configured = failure.configured;
      return (
        `The proxy ${proxy} asks for ${asked || 'an unnamed'} authentication (${STATUS}), but proxyAuthScheme is ${configured}, ` +
        `so the credentials were not checked: set proxyAuthScheme to auto${suggestion(failure.offered)}`
      );
    }
    case 'unsupported':
      return asked
        ? `The proxy ${proxy} asks for ${asked} authentication (${STATUS}), which this connection cannot answer: it supports ${SUPPORTED}`
        : `The proxy ${proxy} answered ${STATUS} without naming an authentication scheme (no Proxy-Authenticate header)`;
    case 'ntlm-connection-closed':
      return `The proxy ${proxy} closed the connection in the middle of the NTLM handshake (${STATUS}): NTLM needs the proxy to keep the connection open`;
    case 'ntlm-challenge-unreadable':
      return `The proxy ${proxy} sent an NTLM challenge that cannot be read (${STATUS})`;
  }
}

/** "NTLM", "Negotiate or NTLM", "Negotiate, NTLM or Basic". */
function listOf(names: string[]): string {
  const shown = names.slice(0, 5);
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

/** " or ntlm" when the proxy offers a scheme proxyAuthScheme can name. */
function suggestion(offered: string[]): string {
  const schemes = offered.map((name) => name.toLowerCase()).filter((name) => name in SCHEME_NAMES);
  return schemes.length ? ` or ${schemes.join(' or ')}` : '';
}
