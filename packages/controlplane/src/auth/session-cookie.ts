/** Name of the console's session cookie. */
export const SESSION_COOKIE = 'relay_session';

/** Header carrying the session's CSRF token on every cookie-authenticated /graphql request and /auth POST. */
export const CSRF_HEADER = 'x-csrf-token';

/**
 * The session token from a `Cookie` header, or null. Only the first `relay_session` counts,
 * and only a value of the shape we issue (base62), so nothing odd reaches a database lookup.
 */
export function sessionTokenFromCookies(header: string | null | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return /^[0-9A-Za-z]{20,128}$/.test(value) ? value : null;
  }
  return null;
}

/**
 * The `Set-Cookie` value for a session: HttpOnly (no script reads it), SameSite=Strict (no other
 * site's page sends it), Path=/, Max-Age = the session's idle lifetime, and Secure when the
 * request came over https (directly or through a proxy saying so in x-forwarded-proto).
 */
export function sessionCookie(token: string, maxAgeMs: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The `Set-Cookie` value that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/** True when the request reached us, or the proxy in front of us, over https. */
export function isHttpsRequest(forwardedProto: string | null | undefined, encrypted: boolean): boolean {
  return encrypted || (forwardedProto ?? '').split(',')[0]!.trim().toLowerCase() === 'https';
}
