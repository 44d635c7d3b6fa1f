/**
 * Reads `WWW-Authenticate` and `Proxy-Authenticate` headers (RFC 7235 §4.1, §4.3), for API and
 * proxy authentication alike: each header holds one or more challenges, `scheme token68` (NTLM's base64 message) or `scheme name=value, ...` (Digest,
 * Basic), and commas separate both challenges and parameters.
 */

export interface Challenge {
  /** The scheme as the server or proxy wrote it (e.g. `NTLM`, `Digest`); compare case-insensitively. */
  scheme: string;
  /** Parameters with lower-case names; quoted values unescaped. */
  params: Record<string, string>;
  /** A token68 (NTLM and Negotiate carry their base64 messages this way). */
  token?: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*(?=[ \t]*(,|$))/;
const PARAM_NAME = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*/;
const QUOTED = /^"((?:[^"\\]|\\.)*)"/;

/** Every challenge in the given header values, in order. Unreadable rest of a header is skipped. */
export function parseChallenges(headers: string | string[] | undefined): Challenge[] {
  const values = headers === undefined ? [] : Array.isArray(headers) ? headers : [headers];
  return values.flatMap(parseHeader);
}

/** True when one of the challenges is for `scheme` (case-insensitive). */
export function offers(challenges: Challenge[], scheme: string): boolean {
  return challenges.some((challenge) => sameScheme(challenge, scheme));
}

export function sameScheme(challenge: Challenge, scheme: string): boolean {
  return challenge.scheme.toLowerCase() === scheme.toLowerCase();
}

/** The scheme names, each once, as the proxy wrote them: for messages. */
export function schemeNames(challenges: Challenge[]): string[] {
  const names = new Map<string, string>();
  for (const { scheme } of challenges) if (!names.has(scheme.toLowerCase())) names.set(scheme.toLowerCase(), scheme);
  return [...names.values()];
}

function parseHeader(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = header;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    const scheme = TOKEN.exec(rest)?.[0];
    if (!scheme) return challenges;
    rest = rest.slice(scheme.length).replace(/^[ \t]+/, '');
    const challenge: Challenge = { scheme, params: {} };
    challenges.push(challenge);
    // A token68 may end in `=` padding, so it is tried first: a parameter never has an empty value.
    const token68 = TOKEN68.exec(rest)?.[0];
    if (token68) {
      challenge.token = token68;
      rest = rest.slice(token68.length);
      continue;
    }
    // Parameters until something that is not `name=`: that is the next challenge's scheme.
    for (let param = PARAM_NAME.exec(rest); param; param = PARAM_NAME.exec(rest)) {
      const [paramText, name = ''] = param;
      rest = rest.slice(paramText.length);
      const quoted = QUOTED.exec(rest);
      const value = quoted ? (quoted[1] ?? '').replace(/\\(.)/g, '$1') : (TOKEN.exec(rest)?.[0] ?? '');
      rest = rest.slice(quoted ? quoted[0].length : value.length);
      challenge.params[name.toLowerCase()] = value;
      rest = rest.replace(/^[ \t]*,?[\s,]*/, '');
    }
  }
}
