import type { Plugin } from 'graphql-yoga';
import type { Principal } from '../auth/roles.ts';
import { findTokenPrincipal } from '../domain/api-tokens.ts';
import type { GraphQLDeps } from './context.ts';

/** The exact body of every refused request: GraphQL-shaped, so clients show it like any other error. */
export const UNAUTHENTICATED_BODY = JSON.stringify({
  errors: [{ message: 'Sign in, or send an API token as `Authorization: Bearer <token>`.', extensions: { code: 'unauthenticated' } }],
});

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * A Yoga plugin that answers 401 before any parsing or execution unless the request carries
 * an API token (`Authorization: Bearer …`) or a console session. The principal found is handed
 * to the context through `principals`, keyed by the request object, so it is looked up once.
 * Introspection is therefore only for signed-in callers too.
 * The GraphiQL page itself (a GET asking for HTML) is let through: it is static and holds no
 * data; the queries it then sends need credentials like any other.
 */
export function useAuthentication(deps: Pick<GraphQLDeps, 'prisma' | 'keySecret'>, principals: WeakMap<Request, Principal>): Plugin {
  return {
    async onRequest({ request, endResponse, fetchAPI }) {
      if (isGraphiQLPage(request)) return;
      const match = BEARER.exec(request.headers.get('authorization') ?? '');
      const principal = match?.[1] ? await findTokenPrincipal(deps.prisma, match[1], deps.keySecret) : null;
      if (principal) {
        principals.set(request, principal);
        return;
      }
      endResponse(
        new fetchAPI.Response(UNAUTHENTICATED_BODY, {
          status: 401,
          headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' },
        }),
      );
    },
  };
}

function isGraphiQLPage(request: Request): boolean {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  return !url.searchParams.has('query') && (request.headers.get('accept') ?? '').includes('text/html');
}
