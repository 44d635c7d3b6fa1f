/** RFC 8288 Link headers: the links and their `rel`s, and the `rel="next"` target paging follows. */
import { setOwn } from '../set-own';

/**
 * The `rel="next"` target of RFC 8288 Link header(s). Handles several links, rel lists
 * (`rel="next last"`), unquoted rels, and commas or semicolons inside `<...>` or quotes.
 */
export function nextLinkFromHeader(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const values = Array.isArray(header) ? header : [header];
  for (const value of values) {
    for (const link of parseLinkHeader(value)) {
      if (link.rel.includes('next')) return link.href;
    }
  }
  return undefined;
}

export function parseLinkHeader(value: string): { href: string; rel: string[] }[] {
  const links: { href: string; rel: string[] }[] = [];
  let i = 0;
  while (i < value.length) {
    const open = value.indexOf('<', i);
    if (open < 0) break;
    const close = value.indexOf('>', open);
    if (close < 0) break;
    const href = value.slice(open + 1, close).trim();
    i = close + 1;
    const params: Record<string, string> = {};
    // Parameters run until a comma that is outside quotes.
    while (i < value.length) {
      while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
      if (value[i] === ',') {
        i++;
        break;
      }
      if (value[i] !== ';') {
        i++;
        continue;
      }
      i++;
      const nameMatch = /^\s*([^=;,\s]+)\s*/.exec(value.slice(i));
      if (!nameMatch) continue;
      const [matched, rawName = ''] = nameMatch;
      const name = rawName.toLowerCase();
      i += matched.length;
      let paramValue = '';
      if (value[i] === '=') {
        i++;
        while (value[i] === ' ') i++;
        if (value[i] === '"') {
          let j = i + 1;
          while (j < value.length && value[j] !== '"') j += value[j] === '\\' ? 2 : 1;
          paramValue = value.slice(i + 1, j).replace(/\\(.)/g, '$1');
          i = j + 1;
        } else {
          const [token = ''] = /^[^;,\s]*/.exec(value.slice(i)) ?? [];
          paramValue = token;
          i += token.length;
        }
      }
      // RFC 8288: only the first occurrence of a parameter counts.
      if (!Object.hasOwn(params, name)) setOwn(params, name, paramValue);
    }
    const rel = (params.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    links.push({ href, rel });
  }
  return links;
}
