/**
 * The role → permission table and the checks built on it, shared by the control plane (which
 * enforces them in the schema's authScopes) and the console (which hides what a role may not
 * use). One table, so the two can never disagree about what a role may do.
 */

/** Roles as the schema's `Role` enum spells them (Prisma's enum has the same members). */
export type Role = 'OWNER' | 'ADMIN' | 'ANALYST' | 'VIEWER';

/**
 * What a caller may do, as permissions rather than role checks: fields declare the permission
 * they need (graphql/builder.ts scopes), and this table is the one place that says which role
 * carries which. A grant on the organization applies everywhere in it; a grant on a team applies
 * to that team's projects, environments, keys and spend only.
 */
export const PERMISSIONS = [
  /** Teams, projects, environments, keys (never secrets), providers (never credentials), aliases, pricing. */
  'config:read',
  /** Spend and usage aggregates. */
  'spend:read',
  /** The per-request log. */
  'requests:read',
  /** The audit trail. */
  'audit:read',
  /** Create and change config: keys, projects and environments on a team; providers, aliases, pricing and teams on the organization. */
  'config:write',
  /** API tokens for automation (never above the creator's own role). */
  'tokens:manage',
  /** Users, their role grants and set-up links. */
  'members:manage',
  /**
   * Money in: top-ups, balance adjustments and credit-code redemptions on a team's or project's
   * prepaid account (a team grant: its own team's); the organisation's account, credit codes and
   * the billing mode with an organisation grant.
   */
  'billing:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Roles from most to least powerful. */
export const ROLES = ['OWNER', 'ADMIN', 'ANALYST', 'VIEWER'] as const satisfies readonly Role[];

/** Which permissions each role carries. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  OWNER: new Set(PERMISSIONS),
  ADMIN: new Set(['config:read', 'spend:read', 'requests:read', 'audit:read', 'config:write', 'tokens:manage', 'billing:manage']),
  ANALYST: new Set(['config:read', 'spend:read', 'requests:read', 'audit:read']),
  VIEWER: new Set(['config:read', 'spend:read']),
};

/** A role held on the organization (teamId null) or on one team. */
export interface Grant {
  role: Role;
  teamId: string | null;
}

/** Who is calling: a signed-in user or an API token, with every grant they hold in their organization. */
export interface Principal {
  kind: 'user' | 'token';
  id: string;
  orgId: string;
  /** Email of the user or name of the token: what the audit trail and the console header show. */
  label: string;
  grants: readonly Grant[];
  /** The console session this request came with; null for API tokens. */
  sessionId: string | null;
}

/** True when `role` is at least as powerful as `than`. */
export function roleAtLeast(role: Role, than: Role): boolean {
  return ROLES.indexOf(role) <= ROLES.indexOf(than);
}

/**
 * May the principal use `permission` on `teamId`? An organization grant carrying it always
 * may; a team grant only on its own team. `teamId` null means "organization-level object" (or an
 * object that does not exist): only an organization grant counts.
 */
export function can(principal: Pick<Principal, 'grants'>, permission: Permission, teamId: string | null): boolean {
  return principal.grants.some((g) => ROLE_PERMISSIONS[g.role].has(permission) && (g.teamId === null || (teamId !== null && g.teamId === teamId)));
}

/** May the principal use `permission` somewhere (on the organization or on at least one team)? */
export function canSomewhere(principal: Pick<Principal, 'grants'>, permission: Permission): boolean {
  return principal.grants.some((g) => ROLE_PERMISSIONS[g.role].has(permission));
}

/**
 * The teams whose data the principal may see with `permission`: 'all' for an organization
 * grant, else the set of granted teams. List queries filter by it.
 */
export function teamsWith(principal: Pick<Principal, 'grants'>, permission: Permission): 'all' | ReadonlySet<string> {
  const teams = new Set<string>();
  for (const g of principal.grants) {
    if (!ROLE_PERMISSIONS[g.role].has(permission)) continue;
    if (g.teamId === null) return 'all';
    teams.add(g.teamId);
  }
  return teams;
}

/** The most powerful role the principal holds anywhere (for the console header); null without grants. */
export function highestRole(principal: Pick<Principal, 'grants'>): Role | null {
  for (const role of ROLES) if (principal.grants.some((g) => g.role === role)) return role;
  return null;
}

/**
 * May the principal hand out `role` on `teamId` (null = the organization)? Only with a grant
 * there (the organization's counts for every team) that carries `tokens:manage` and is at least
 * as powerful as `role`: nobody mints a token stronger than themselves.
 */
export function canGrantRole(principal: Pick<Principal, 'grants'>, role: Role, teamId: string | null): boolean {
  return principal.grants.some(
    (g) => ROLE_PERMISSIONS[g.role].has('tokens:manage') && roleAtLeast(g.role, role) && (g.teamId === null || (teamId !== null && g.teamId === teamId)),
  );
}
