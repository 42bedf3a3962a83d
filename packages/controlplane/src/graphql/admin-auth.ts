import type { Plugin } from 'graphql-yoga';
import { findAdminByToken, type Admin } from '../domain/admin-tokens.ts';
import type { GraphQLDeps } from './context.ts';

/** The exact body of every refused request: GraphQL-shaped, so clients show it like any other error. */
export const UNAUTHENTICATED_BODY = JSON.stringify({
  errors: [{ message: 'Admin token missing or not accepted.', extensions: { code: 'unauthenticated' } }],
});

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * A Yoga plugin that answers 401 before any parsing or execution unless the request carries
 * `Authorization: Bearer <admin token>`. The admin found is handed to the context through
 * `admins`, keyed by the request object, so the token is looked up once.
 * The GraphiQL page itself (a GET asking for HTML) is let through: it is static and holds no
 * data; the queries it then sends need the header like any other.
 */
export function useAdminAuth(deps: Pick<GraphQLDeps, 'prisma' | 'keySecret'>, admins: WeakMap<Request, Admin>): Plugin {
  return {
    async onRequest({ request, endResponse, fetchAPI }) {
      if (isGraphiQLPage(request)) return;
      const match = BEARER.exec(request.headers.get('authorization') ?? '');
      const admin = match?.[1] ? await findAdminByToken(deps.prisma, match[1], deps.keySecret) : null;
      if (admin) {
        admins.set(request, admin);
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
