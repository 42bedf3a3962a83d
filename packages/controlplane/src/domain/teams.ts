import { z } from 'zod';
import type { Prisma, PrismaClient, Team } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { InputError, parseInput, rejectDuplicate } from './input-error.ts';
import { isUuid, nameSchema } from './input-schemas.ts';
import { DEFAULT_PROJECT_NAME, insertProject } from './projects.ts';
import { inTransaction } from './transaction.ts';
import { afterNotInList, prismaPage, type ListPage } from './list-page.ts';
import { teamIdFilter, type VisibleTeams } from './visible-teams.ts';

/** Name of the team `ensureBootstrap` creates and keys fall into when no team is given. */
export const DEFAULT_TEAM_NAME = 'Default team';

const teamNameSchema = z.object({ name: nameSchema });

/**
 * Creates a team in `orgId` (names are unique per org) with its `default` project and that
 * project's standard environments, so keys can be filed under the team at once. Both are
 * audited in the same transaction.
 */
export async function createTeam(prisma: PrismaClient, orgId: string, input: { name: string }, audit: AuditContext): Promise<Team> {
  const { name } = parseInput(teamNameSchema, input);
  return rejectDuplicate(
    () =>
      inTransaction(prisma, async (tx) => {
        const team = await tx.team.create({ data: { orgId, name } });
        const project = await insertProject(tx, { orgId, teamId: team.id, name: DEFAULT_PROJECT_NAME });
        await writeAudit(tx, audit, { objectType: 'Team', objectId: team.id, before: null, after: team });
        await writeAudit(tx, audit, { objectType: 'Project', objectId: project.id, before: null, after: project });
        await bumpConfigRevision(tx);
        return team;
      }),
    `A team named "${name}" already exists.`,
    'name',
  );
}

/** Renames a team of `orgId`. */
export async function updateTeam(prisma: PrismaClient, orgId: string, id: string, input: { name: string }, audit: AuditContext): Promise<Team> {
  const { name } = parseInput(teamNameSchema, input);
  return rejectDuplicate(
    () =>
      inTransaction(prisma, async (tx) => {
        const before = isUuid(id) ? await tx.team.findFirst({ where: { id, orgId } }) : null;
        if (!before) throw new InputError('No team with this id in your organization.', 'NOT_FOUND', 'id');
        const after = await tx.team.update({ where: { id }, data: { name } });
        await writeAudit(tx, audit, { objectType: 'Team', objectId: id, before, after });
        await bumpConfigRevision(tx);
        return after;
      }),
    `A team named "${name}" already exists.`,
    'name',
  );
}

/** Teams of `orgId` the caller may see, by name. */
export async function listTeams(
  prisma: PrismaClient,
  filter: { orgId: string; visible: VisibleTeams },
  page: ListPage,
  query: { include?: Prisma.TeamInclude; select?: Prisma.TeamSelect } = {},
): Promise<Team[]> {
  const where: Prisma.TeamWhereInput = { orgId: filter.orgId, id: teamIdFilter(filter.visible) };
  if (page.after !== null && (await prisma.team.count({ where: { AND: [where, { id: page.after }] } })) === 0) throw afterNotInList();
  return prisma.team.findMany({ ...query, where, orderBy: [{ name: 'asc' }, { id: 'asc' }], ...prismaPage(page) } as Prisma.TeamFindManyArgs);
}

/**
 * The team a key goes to: `teamId` when given (it must belong to `orgId`), else the org's
 * "Default team", else its oldest team.
 */
export async function resolveTeam(
  prisma: PrismaClient | Prisma.TransactionClient,
  orgId: string,
  teamId: string | null | undefined,
): Promise<Team> {
  if (teamId !== null && teamId !== undefined) {
    const team = isUuid(teamId) ? await prisma.team.findFirst({ where: { id: teamId, orgId } }) : null;
    if (!team) throw new InputError('No team with this id in your organization.', 'NOT_FOUND', 'teamId');
    return team;
  }
  const team =
    (await prisma.team.findFirst({ where: { orgId, name: DEFAULT_TEAM_NAME } })) ??
    (await prisma.team.findFirst({ where: { orgId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }));
  if (!team) throw new InputError('Your organization has no team yet: create one first.', 'BAD_USER_INPUT', 'teamId');
  return team;
}
