import { z } from 'zod';
import type { Prisma, PrismaClient, Team } from '../generated/prisma/client.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { InputError, parseInput, rejectDuplicate } from './input-error.ts';
import { isUuid, nameSchema } from './input-schemas.ts';
import { inTransaction } from './transaction.ts';
import { afterNotInList, prismaPage, type ListPage } from './list-page.ts';

/** Name of the team `ensureBootstrap` creates and keys fall into when no team is given. */
export const DEFAULT_TEAM_NAME = 'Default team';

const createTeamSchema = z.object({ name: nameSchema });

/** Creates a team in `orgId`; names are unique per org. */
export async function createTeam(prisma: PrismaClient, orgId: string, input: { name: string }): Promise<Team> {
  const { name } = parseInput(createTeamSchema, input);
  const team = await rejectDuplicate(
    () =>
      inTransaction(prisma, async (tx) => {
        const created = await tx.team.create({ data: { orgId, name } });
        await bumpConfigRevision(tx);
        return created;
      }),
    `A team named "${name}" already exists.`,
    'name',
  );
  return team;
}

/** Teams of `orgId`, by name. */
export async function listTeams(
  prisma: PrismaClient,
  orgId: string,
  page: ListPage,
  query: { include?: Prisma.TeamInclude; select?: Prisma.TeamSelect } = {},
): Promise<Team[]> {
  if (page.after !== null && (await prisma.team.count({ where: { orgId, id: page.after } })) === 0) throw afterNotInList();
  return prisma.team.findMany({ ...query, where: { orgId }, orderBy: [{ name: 'asc' }, { id: 'asc' }], ...prismaPage(page) } as Prisma.TeamFindManyArgs);
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
