/** Where to go after sign-in, taken from `?next=`; only same-origin paths, never a URL. */

/** The overview is the home: what the relay did over the last day, one click from every page. */
const DEFAULT_PATH = '/';

/**
 * Returns `next` when it is a path on this origin, else the default page. Refusing `//host`
 * and `/\host` (which browsers treat as protocol-relative) closes the open redirect a crafted
 * sign-in link would otherwise be.
 * @example safeNextPath('/spend?range=7d') === '/spend?range=7d'; safeNextPath('//evil.test') === '/'
 */
export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/')) return DEFAULT_PATH;
  if (next.startsWith('//') || next.startsWith('/\\')) return DEFAULT_PATH;
  if (next === '/sign-in' || next.startsWith('/sign-in?') || /[\u0000-\u001f]/.test(next)) return DEFAULT_PATH;
  return next;
}

/** The sign-in path that brings the user back to `path` afterwards. */
export function signInPathFor(path: string): string {
  const next = safeNextPath(path);
  return next === DEFAULT_PATH || next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
}
