/**
 * The same-origin rule, in one place: credentials go only to the origin of the connection's base
 * URL. The client checks every URL it is about to send to; paging checks a next-page link before
 * it asks for it, so paging is safe on its own too.
 */
import { RestError } from '../errors';

/** Throws ERR_ORIGIN unless `target` is on `origin`; `subject` names what would have gone there. */
export function assertSameOrigin(target: URL, origin: string, subject: string): void {
  if (target.origin === origin) return;
  throw new RestError(
    'ERR_ORIGIN',
    `${subject} goes to ${target.origin}, not ${origin}: credentials are only sent to the connection's origin`,
  );
}

/**
 * `href` resolved like a browser would (RFC 3986) against `base`, refused unless it stays on
 * `origin`; `invalid` is the error for an href that is not a URL.
 */
export function resolveOnOrigin(
  href: string,
  base: string | URL,
  origin: string,
  subject: string,
  invalid: () => RestError,
): URL {
  let target: URL;
  try {
    target = new URL(href, base);
  } catch {
    throw invalid();
  }
  assertSameOrigin(target, origin, subject);
  return target;
}
