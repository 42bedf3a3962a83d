import type { Prisma } from '../generated/prisma/client.ts';
import { isUuid } from './input-schemas.ts';

/**
 * The teams whose rows a list may show: 'all' for an organization-wide grant, else the teams
 * granted (auth/roles.ts `teamsWith`). Lists take it as data: the decision is made by the
 * schema's scopes, the domain only filters by it.
 */
export type VisibleTeams = 'all' | ReadonlySet<string>;

/**
 * A Prisma filter on a team id column: the visible teams, narrowed to `wanted` when the caller
 * asked for one team. A team the caller may not see, or a malformed id, matches nothing: lists
 * answer "no rows" rather than revealing whether the team exists.
 */
export function teamIdFilter(visible: VisibleTeams, wanted: string | null = null): Prisma.StringFilter | undefined {
  if (wanted !== null) {
    const allowed = isUuid(wanted) && (visible === 'all' || visible.has(wanted));
    return { in: allowed ? [wanted] : [] };
  }
  return visible === 'all' ? undefined : { in: [...visible] };
}

/** An optional id filter from a list argument: absent = no filter, a malformed id = matches nothing. */
export function idFilter(wanted: string | null): Prisma.StringFilter | undefined {
  if (wanted === null) return undefined;
  return { in: isUuid(wanted) ? [wanted] : [] };
}
