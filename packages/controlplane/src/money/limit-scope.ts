import type { BudgetScope, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { InputError } from '../domain/input-error.ts';
import { isUuid } from '../domain/input-schemas.ts';
import type { VisibleTeams } from '../domain/visible-teams.ts';

/**
 * What a rate limit or a budget attaches to. Rate limits use KEY, TEAM and PROJECT; budgets
 * also ORGANIZATION and ENVIRONMENT. The scope id of an ORGANIZATION budget is the org's id.
 */
export type LimitScope = BudgetScope;

/** A scope as the caller sees it: the team owning it (null for the organization) and its name. */
export interface ResolvedScope {
  scope: LimitScope;
  scopeId: string;
  /** The team that owns the scope; null for ORGANIZATION. Authorization and visibility follow it. */
  teamId: string | null;
  /** The key's, environment's (`project / staging`), project's, team's or organization's name. */
  name: string;
}

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * The scope `scopeId` names in `orgId`, or null when there is none (another organization's id,
 * a malformed id, a deleted object).
 */
export async function findScope(db: Db, orgId: string, scope: LimitScope, scopeId: string): Promise<ResolvedScope | null> {
  if (!isUuid(scopeId)) return null;
  const found = await lookupScope(db, orgId, scope, scopeId);
  return found === null ? null : { scope, scopeId, ...found };
}

/**
 * Like {@link findScope}, but an unknown scope is the caller's mistake.
 * @throws InputError NOT_FOUND on `scopeId`.
 */
export async function requireScope(db: Db, orgId: string, scope: LimitScope, scopeId: string): Promise<ResolvedScope> {
  const found = await findScope(db, orgId, scope, scopeId);
  if (found === null) throw new InputError(`No ${scope.toLowerCase()} with this id in your organization.`, 'NOT_FOUND', 'scopeId');
  return found;
}

/** The team owning a scope, for the `team` auth scope (null, which only an org grant passes, when unknown). */
export async function scopeTeam(prisma: PrismaClient, orgId: string, scope: LimitScope, scopeId: string): Promise<string | null> {
  return (await findScope(prisma, orgId, scope, scopeId))?.teamId ?? null;
}

async function lookupScope(db: Db, orgId: string, scope: LimitScope, id: string): Promise<{ teamId: string | null; name: string } | null> {
  switch (scope) {
    case 'ORGANIZATION': {
      const org = id === orgId ? await db.organization.findUnique({ where: { id }, select: { name: true } }) : null;
      return org && { teamId: null, name: org.name };
    }
    case 'TEAM': {
      const team = await db.team.findFirst({ where: { id, orgId }, select: { name: true } });
      return team && { teamId: id, name: team.name };
    }
    case 'PROJECT': {
      const project = await db.project.findFirst({ where: { id, orgId }, select: { teamId: true, name: true } });
      return project && { teamId: project.teamId, name: project.name };
    }
    case 'ENVIRONMENT': {
      const env = await db.environment.findFirst({ where: { id, orgId }, select: { name: true, project: { select: { teamId: true, name: true } } } });
      return env && { teamId: env.project.teamId, name: `${env.project.name} / ${env.name}` };
    }
    case 'KEY': {
      const key = await db.apiKey.findFirst({ where: { id, orgId }, select: { teamId: true, name: true } });
      return key && { teamId: key.teamId, name: key.name };
    }
  }
}

/** The scopes a caller may see: 'all', or per scope kind the ids of visible objects. */
export type VisibleScopes = 'all' | ReadonlyArray<{ scope: Exclude<LimitScope, 'ORGANIZATION'>; ids: string[] }>;

/**
 * The scopes of the teams the caller may see: everything for an organization grant; for team
 * grants those teams and their projects, environments and keys, never the organization itself
 * (its figures are every team's).
 */
export async function visibleScopes(prisma: PrismaClient, orgId: string, visible: VisibleTeams): Promise<VisibleScopes> {
  if (visible === 'all') return 'all';
  const teamIds = [...visible];
  const [projects, environments, keys] = await Promise.all([
    prisma.project.findMany({ where: { orgId, teamId: { in: teamIds } }, select: { id: true } }),
    prisma.environment.findMany({ where: { orgId, project: { teamId: { in: teamIds } } }, select: { id: true } }),
    prisma.apiKey.findMany({ where: { orgId, teamId: { in: teamIds } }, select: { id: true } }),
  ]);
  return [
    { scope: 'TEAM', ids: teamIds },
    { scope: 'PROJECT', ids: projects.map((p) => p.id) },
    { scope: 'ENVIRONMENT', ids: environments.map((e) => e.id) },
    { scope: 'KEY', ids: keys.map((k) => k.id) },
  ];
}

/** A Prisma where on (scope, scopeId) for {@link VisibleScopes}, limited to the scope kinds a table has. */
export function scopeWhere<S extends LimitScope>(visible: VisibleScopes, kinds: readonly S[]): { OR?: Array<{ scope: S; scopeId: { in: string[] } }> } {
  if (visible === 'all') return {};
  return { OR: visible.filter((v): v is { scope: Exclude<LimitScope, 'ORGANIZATION'> & S; ids: string[] } => (kinds as readonly LimitScope[]).includes(v.scope)).map((v) => ({ scope: v.scope, scopeId: { in: v.ids } })) };
}
