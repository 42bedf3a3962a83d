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

/** What a request carries that authentication reads. */
export interface CredentialHeaders {
  authorization: string | null;
  cookie: string | null;
  csrfToken: string | null;
  /** The request came over https (or a proxy in front says so): a refreshed cookie is `Secure`. */
  https: boolean;
}

/** The outcome of {@link authenticateCredentials}: a principal (and a cookie to re-send), or the refusal to answer. */
export type Authentication =
  | { principal: Principal; refreshedCookie: string | null }
  | { refusal: { status: number; body: string; headers: Record<string, string> } };

/**
 * The one authentication rule of the admin API, shared by /graphql and the other admin endpoints
 * (the ledger's CSV export): an API token (`Authorization: Bearer …`), or a console session (the
 * `relay_session` cookie plus its CSRF token in `x-csrf-token`, on every request, GET included:
 * 403 `csrf_token_invalid` without it). A bearer header wins over a cookie: a wrong token is
 * refused even when a session cookie is also there.
 */
export async function authenticateCredentials(deps: Pick<GraphQLDeps, 'prisma' | 'keySecret' | 'auth'>, headers: CredentialHeaders): Promise<Authentication> {
  const auth = deps.auth ?? DEFAULT_AUTH_SETTINGS;
  const unauthenticated = { refusal: { status: 401, body: UNAUTHENTICATED_BODY, headers: { 'www-authenticate': 'Bearer' } } };
  if (headers.authorization !== null) {
    const match = BEARER.exec(headers.authorization);
    const principal = match?.[1] ? await findTokenPrincipal(deps.prisma, match[1], deps.keySecret) : null;
    return principal ? { principal, refreshedCookie: null } : unauthenticated;
  }
  const token = sessionTokenFromCookies(headers.cookie);
  const found = token === null ? null : await findSession(deps.prisma, token, { keySecret: deps.keySecret, sessionTtlMs: auth.sessionTtlMs });
  if (found === null || token === null) return unauthenticated;
  if (!csrfMatches(headers.csrfToken, found.session.csrfHash, deps.keySecret)) return { refusal: { status: 403, body: CSRF_REFUSED_BODY, headers: {} } };
  return { principal: found.principal, refreshedCookie: found.slid ? sessionCookie(token, auth.sessionTtlMs, headers.https) : null };
}

/**
 * A Yoga plugin that answers 401 (or 403) before any parsing or execution unless the request
 * authenticates ({@link authenticateCredentials}). The principal found is handed to the
 * context through `principals`, keyed by the request object, so it is looked up once.
 * Introspection is therefore only for signed-in callers too.
 * The GraphiQL page itself (a GET asking for HTML) is let through: it is static and holds no
 * data; the queries it then sends need credentials like any other.
 */
export function useAuthentication(deps: Pick<GraphQLDeps, 'prisma' | 'keySecret' | 'auth'>, principals: WeakMap<Request, Principal>): Plugin {
  /** Sessions whose expiry this request slid: the answer re-sends the cookie with a fresh Max-Age. */
  const refreshedCookies = new WeakMap<Request, string>();
  return {
    async onRequest({ request, endResponse, fetchAPI }) {
      if (isGraphiQLPage(request)) return;
      const result = await authenticateCredentials(deps, {
        authorization: request.headers.get('authorization'),
        cookie: request.headers.get('cookie'),
        csrfToken: request.headers.get(CSRF_HEADER),
        https: isHttpsRequest(request.headers.get('x-forwarded-proto'), new URL(request.url).protocol === 'https:'),
      });
      if ('refusal' in result) {
        const { status, body, headers } = result.refusal;
        return endResponse(new fetchAPI.Response(body, { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } }));
      }
      principals.set(request, result.principal);
      if (result.refreshedCookie !== null) refreshedCookies.set(request, result.refreshedCookie);
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
