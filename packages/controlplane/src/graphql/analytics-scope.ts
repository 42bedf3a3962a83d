import type { EventScope } from '../analytics/event-scope.ts';
import { objectTeam } from '../auth/object-team.ts';
import { teamsWith, type Permission } from '../auth/roles.ts';
import type { GraphQLContext } from './context.ts';

/** The scope arguments of spend, requests and request. */
export interface AnalyticsScopeArgs {
  teamId?: string | number | null;
  projectId?: string | number | null;
  environmentId?: string | number | null;
  keyId?: string | number | null;
  environment?: string | null;
}

/** What an analytics field's authScopes answers (graphql/builder.ts scopes). */
export type AnalyticsAuthScope = { anyTeam: Permission } | { team: { permission: Permission; teamId: string | null } };

/**
 * The authScopes of an analytics field, declared on the field rather than checked in its
 * resolver. Without a team, project, environment or key filter the field needs `permission`
 * somewhere (`anyTeam`) and answers only the teams the caller may see. With one, it needs
 * `permission` on the team owning the named objects: a team-scoped caller naming another team's
 * object is refused with `forbidden` (not answered with an empty report, which would read as
 * "that team spent nothing"). Objects that do not exist in the org, or that belong to different
 * teams, resolve to team null, which only an organization grant passes (it then gets an empty
 * answer); so a refusal never tells a team-scoped caller whether an id exists elsewhere.
 */
export function analyticsAuthScopes(permission: Permission) {
  return async (_root: unknown, args: AnalyticsScopeArgs, ctx: Pick<GraphQLContext, 'prisma' | 'principal'>): Promise<AnalyticsAuthScope> => {
    const { prisma, principal } = ctx;
    const lookups: Array<Promise<string | null>> = [];
    if (isGiven(args.teamId)) lookups.push(objectTeam.team(prisma, principal.orgId, String(args.teamId)));
    if (isGiven(args.projectId)) lookups.push(objectTeam.project(prisma, principal.orgId, String(args.projectId)));
    if (isGiven(args.environmentId)) lookups.push(objectTeam.environment(prisma, principal.orgId, String(args.environmentId)));
    if (isGiven(args.keyId)) lookups.push(objectTeam.key(prisma, principal.orgId, String(args.keyId)));
    if (lookups.length === 0) return { anyTeam: permission };
    const teams = new Set(await Promise.all(lookups));
    const [only] = teams;
    return { team: { permission, teamId: teams.size === 1 && only !== undefined ? only : null } };
  };
}

/** The events a caller may see with `permission`, narrowed by the field's scope arguments. */
export function eventScopeOf(ctx: Pick<GraphQLContext, 'principal'>, permission: Permission, args: AnalyticsScopeArgs): EventScope {
  return {
    visibleTeams: teamsWith(ctx.principal, permission),
    teamId: isGiven(args.teamId) ? String(args.teamId) : null,
    projectId: isGiven(args.projectId) ? String(args.projectId) : null,
    environmentId: isGiven(args.environmentId) ? String(args.environmentId) : null,
    environment: args.environment ?? null,
  };
}

function isGiven(value: string | number | null | undefined): value is string | number {
  return value !== null && value !== undefined;
}
