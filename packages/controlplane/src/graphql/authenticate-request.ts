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
 * A Yoga plugin that answers 401 (or 403) before any parsing or execution unless the request
 * authenticates ({@link authenticateRequest}). The principal found is handed to the
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
      const outcome = await authenticateRequest(deps, {
        authorization: request.headers.get('authorization'),
        cookie: request.headers.get('cookie'),
        csrfToken: request.headers.get(CSRF_HEADER),
        forwardedProto: request.headers.get('x-forwarded-proto'),
        https: new URL(request.url).protocol === 'https:',
      });
      if (!outcome.ok) {
        return endResponse(new fetchAPI.Response(outcome.body, { status: outcome.status, headers: { 'content-type': 'application/json; charset=utf-8', ...outcome.headers } }));
      }
      principals.set(request, outcome.principal);
      if (outcome.refreshedCookie !== null) refreshedCookies.set(request, outcome.refreshedCookie);
    },
    onResponse({ request, response }) {
      const cookie = refreshedCookies.get(request);
      if (cookie !== undefined) response.headers.append('set-cookie', cookie);
    },
  };
}

/** The request headers authentication reads. */
export interface AuthHeaders {
  authorization: string | null;
  cookie: string | null;
  /** The `x-csrf-token` header. */
  csrfToken: string | null;
  forwardedProto: string | null;
  /** Whether the connection itself was TLS. */
  https: boolean;
}

/** Who is calling, or the refusal to answer with (status, GraphQL-shaped body, headers). */
export type AuthOutcome =
  | { ok: true; principal: Principal; refreshedCookie: string | null }
  | { ok: false; status: number; body: string; headers: Record<string, string> };

/**
 * The one authentication of the admin API, for /graphql and the other authenticated endpoints
 * (CSV export): an API token (`Authorization: Bearer …`; a wrong one is refused even when a
 * session cookie is also there), or a console session cookie plus its CSRF token on every
 * request, GET included. `refreshedCookie` is the Set-Cookie to send when the session slid.
 */
export async function authenticateRequest(deps: Pick<GraphQLDeps, 'prisma' | 'keySecret' | 'auth'>, headers: AuthHeaders): Promise<AuthOutcome> {
  const auth = deps.auth ?? DEFAULT_AUTH_SETTINGS;
  const refuse = (status: number, body: string, extra: Record<string, string> = {}): AuthOutcome => ({ ok: false, status, body, headers: extra });
  if (headers.authorization !== null) {
    const match = BEARER.exec(headers.authorization);
    const principal = match?.[1] ? await findTokenPrincipal(deps.prisma, match[1], deps.keySecret) : null;
    if (principal) return { ok: true, principal, refreshedCookie: null };
    return refuse(401, UNAUTHENTICATED_BODY, { 'www-authenticate': 'Bearer' });
  }
  const token = sessionTokenFromCookies(headers.cookie);
  const found = token === null ? null : await findSession(deps.prisma, token, { keySecret: deps.keySecret, sessionTtlMs: auth.sessionTtlMs });
  if (found === null || token === null) return refuse(401, UNAUTHENTICATED_BODY, { 'www-authenticate': 'Bearer' });
  if (!csrfMatches(headers.csrfToken, found.session.csrfHash, deps.keySecret)) return refuse(403, CSRF_REFUSED_BODY);
  const refreshedCookie = found.slid ? sessionCookie(token, auth.sessionTtlMs, isHttpsRequest(headers.forwardedProto, headers.https)) : null;
  return { ok: true, principal: found.principal, refreshedCookie };
}

function isGraphiQLPage(request: Request): boolean {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  return !url.searchParams.has('query') && (request.headers.get('accept') ?? '').includes('text/html');
}
