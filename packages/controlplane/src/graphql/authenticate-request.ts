import type { Plugin } from 'graphql-yoga';
import { DEFAULT_AUTH_SETTINGS } from '../auth/auth-settings.ts';
import type { Principal } from '../auth/roles.ts';
import { CSRF_HEADER, isHttpsRequest, sessionCookie, sessionTokenFromCookies } from '../auth/session-cookie.ts';
import { csrfMatches, findSession } from '../auth/sessions.ts';
import { findTokenPrincipal } from '../domain/api-tokens.ts';
import type { GraphQLDeps } from './context.ts';

/** The exact body of every refused request: GraphQL-shaped, so clients show it like any other error. */
export const UNAUTHENTICATED_BODY = JSON.stringify({
  errors: [{ message: 'Sign in, or send an API token as `Authorization: Bearer <token>`.', extensions: { code: 'unauthenticated' } }],
});

/** The body of a cookie-authenticated request without its session's CSRF token. */
export const CSRF_REFUSED_BODY = JSON.stringify({
  errors: [{ message: `Send the session's CSRF token (from /auth/sign-in or GET /auth/session) in the ${CSRF_HEADER} header.`, extensions: { code: 'csrf_token_invalid' } }],
});

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * A Yoga plugin that answers 401 before any parsing or execution unless the request carries
 * an API token (`Authorization: Bearer …`) or a console session (the `relay_session` cookie
 * plus its CSRF token in `x-csrf-token`, on every request, GET included: 403
 * `csrf_token_invalid` without it). A bearer header wins over a cookie: a wrong token is
 * refused even when a session cookie is also there. The principal found is handed to the
 * context through `principals`, keyed by the request object, so it is looked up once.
 * Introspection is therefore only for signed-in callers too.
 * The GraphiQL page itself (a GET asking for HTML) is let through: it is static and holds no
 * data; the queries it then sends need credentials like any other.
 */
export function useAuthentication(deps: Pick<GraphQLDeps, 'prisma' | 'keySecret' | 'auth'>, principals: WeakMap<Request, Principal>): Plugin {
  const auth = deps.auth ?? DEFAULT_AUTH_SETTINGS;
  /** Sessions whose expiry this request slid: the answer re-sends the cookie with a fresh Max-Age. */
  const refreshedCookies = new WeakMap<Request, string>();
  return {
    async onRequest({ request, endResponse, fetchAPI }) {
      if (isGraphiQLPage(request)) return;
      const refuse = (status: number, body: string, headers: Record<string, string> = {}) =>
        endResponse(new fetchAPI.Response(body, { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } }));
      const authorization = request.headers.get('authorization');
      if (authorization !== null) {
        const match = BEARER.exec(authorization);
        const principal = match?.[1] ? await findTokenPrincipal(deps.prisma, match[1], deps.keySecret) : null;
        if (principal) return void principals.set(request, principal);
        return refuse(401, UNAUTHENTICATED_BODY, { 'www-authenticate': 'Bearer' });
      }
      const token = sessionTokenFromCookies(request.headers.get('cookie'));
      const found = token === null ? null : await findSession(deps.prisma, token, { keySecret: deps.keySecret, sessionTtlMs: auth.sessionTtlMs });
      if (found === null || token === null) return refuse(401, UNAUTHENTICATED_BODY, { 'www-authenticate': 'Bearer' });
      if (!csrfMatches(request.headers.get(CSRF_HEADER), found.session.csrfHash, deps.keySecret)) return refuse(403, CSRF_REFUSED_BODY);
      principals.set(request, found.principal);
      if (found.slid) {
        const secure = isHttpsRequest(request.headers.get('x-forwarded-proto'), new URL(request.url).protocol === 'https:');
        refreshedCookies.set(request, sessionCookie(token, auth.sessionTtlMs, secure));
      }
    },
    onResponse({ request, response }) {
      const cookie = refreshedCookies.get(request);
      if (cookie !== undefined) response.headers.append('set-cookie', cookie);
    },
  };
}

function isGraphiQLPage(request: Request): boolean {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  return !url.searchParams.has('query') && (request.headers.get('accept') ?? '').includes('text/html');
}
