import {
  ROLES,
  can as canShared,
  canSomewhere as canSomewhereShared,
  highestRole,
  roleAtLeast,
  teamsWith,
  type Grant,
  type Permission,
  type Role,
} from '@proxystacks/shared/auth/roles';

/** What the permission checks need of the viewer: its grants (undefined while it loads). */
export type ViewerGrants = { grants: readonly Grant[] } | null | undefined;

/**
 * May the viewer use `permission` on `teamId` (null = an organization-level object)? The same
 * table and rule the control plane enforces (packages/shared/src/auth/roles.ts), so a control
 * shown here is one the server accepts. False while the viewer is unknown: hide until sure.
 */
export function can(viewer: ViewerGrants, permission: Permission, teamId: string | null): boolean {
  return viewer != null && canShared(viewer, permission, teamId);
}

/** May the viewer use `permission` on the organization or on at least one team? */
export function canSomewhere(viewer: ViewerGrants, permission: Permission): boolean {
  return viewer != null && canSomewhereShared(viewer, permission);
}

/** The teams of `teams` on which the viewer may use `permission`, in the given order. */
export function teamsWhere<T extends { id: string }>(viewer: ViewerGrants, permission: Permission, teams: readonly T[]): T[] {
  if (viewer == null) return [];
  const allowed = teamsWith(viewer, permission);
  return teams.filter((team) => allowed === 'all' || allowed.has(team.id));
}

/** True when every grant is on a team: the header says "team-scoped" so nobody expects org-wide views. */
export function isTeamScoped(viewer: ViewerGrants): boolean {
  return viewer != null && viewer.grants.length > 0 && viewer.grants.every((grant) => grant.teamId !== null);
}

/** Roles the viewer may hand out (to a token or a user): never above their own highest role. */
export function assignableRoles(viewer: ViewerGrants): Role[] {
  const own = viewer == null ? null : highestRole(viewer);
  return own === null ? [] : ROLES.filter((role) => roleAtLeast(own, role));
}

const ROLE_LABELS: Record<Role, string> = { OWNER: 'Owner', ADMIN: 'Admin', ANALYST: 'Analyst', VIEWER: 'Viewer' };

/** A role as the console shows it ("Owner"). */
export function roleLabel(role: Role): string {
  return ROLE_LABELS[role];
}
