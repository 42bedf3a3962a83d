import type { IncomingMessage, ServerResponse } from 'node:http';
import { can, canSomewhere, type Permission, type Principal } from '../auth/roles.ts';
import { CSRF_HEADER } from '../auth/session-cookie.ts';
import { InputError } from '../domain/input-error.ts';
import { analyticsAuthScopes, type AnalyticsScopeArgs } from '../graphql/analytics-scope.ts';
import { authenticateRequest } from '../graphql/authenticate-request.ts';
import type { GraphQLDeps } from '../graphql/context.ts';

/** What an export endpoint needs: the GraphQL API's database, ClickHouse and auth settings. */
export type ExportDeps = Pick<GraphQLDeps, 'prisma' | 'clickhouse' | 'keySecret' | 'auth' | 'analyticsRetention' | 'logger'>;

/**
 * Authenticates an export request exactly as /graphql does (graphql/authenticate-request.ts:
 * bearer token, or session cookie plus CSRF header) and answers the refusal itself.
 * @returns the caller, or null when the response has been sent.
 */
export async function authenticateExport(req: IncomingMessage, res: ServerResponse, deps: Pick<GraphQLDeps, 'prisma' | 'keySecret' | 'auth'>): Promise<Principal | null> {
  const header = (name: string): string | null => {
    const value = req.headers[name];
    return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
  };
  const outcome = await authenticateRequest(deps, {
    authorization: header('authorization'),
    cookie: header('cookie'),
    csrfToken: header(CSRF_HEADER),
    forwardedProto: header('x-forwarded-proto'),
    https: 'encrypted' in req.socket && req.socket.encrypted === true,
  });
  if (!outcome.ok) {
    res.writeHead(outcome.status, { 'content-type': 'application/json; charset=utf-8', ...outcome.headers }).end(outcome.body);
    return null;
  }
  if (outcome.refreshedCookie !== null) res.setHeader('set-cookie', outcome.refreshedCookie);
  return outcome.principal;
}

/**
 * Checks `permission` for an analytics export with the same rule as the GraphQL fields
 * (graphql/analytics-scope.ts): anywhere without scope filters, else on the team owning the
 * named team, project, environment or key.
 * @throws InputError `forbidden` when the role does not allow it.
 */
export async function authorizeAnalyticsExport(deps: ExportDeps, principal: Principal, permission: Permission, args: AnalyticsScopeArgs): Promise<void> {
  const scope = await analyticsAuthScopes(permission)(null, args, { prisma: deps.prisma, principal });
  const allowed = 'anyTeam' in scope ? canSomewhere(principal, scope.anyTeam) : can(principal, scope.team.permission, scope.team.teamId);
  if (!allowed) throw new InputError('Your role does not allow this here.', 'forbidden');
}

/** Answers a refused export (bad input, forbidden) GraphQL-shaped, like every admin API error. */
export function sendExportError(res: ServerResponse, err: InputError): void {
  const status = err.code === 'forbidden' ? 403 : err.code === 'NOT_FOUND' ? 404 : 400;
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify({ errors: [{ message: err.message, extensions: { code: err.code, ...(err.param === null ? {} : { param: err.param }) } }] }));
}
