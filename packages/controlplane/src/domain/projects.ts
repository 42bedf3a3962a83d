import { z } from 'zod';
import type { Environment, Prisma, PrismaClient, Project } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { InputError, parseInput, rejectDuplicate } from './input-error.ts';
import { isUuid, nameSchema } from './input-schemas.ts';
import { afterNotInList, prismaPage, type ListPage } from './list-page.ts';
import { inTransaction } from './transaction.ts';
import { teamIdFilter, type VisibleTeams } from './visible-teams.ts';

/** Environments every project has from its creation on. */
export const STANDARD_ENVIRONMENTS = ['production', 'staging', 'development'] as const;

/**
 * A project's environments in the order people read them: the standard ones in their fixed
 * order (they are created in one statement, so their timestamps tie), then named ones by name.
 */
export function sortEnvironments<E extends { name: string }>(environments: readonly E[]): E[] {
  const rank = (name: string) => {
    const index = (STANDARD_ENVIRONMENTS as readonly string[]).indexOf(name);
    return index === -1 ? STANDARD_ENVIRONMENTS.length : index;
  };
  return [...environments].sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The project each team gets first; the migration moved pre-existing keys into its production environment. */
export const DEFAULT_PROJECT_NAME = 'default';

/** Where keys go when the caller names only a team: its default project's production environment. */
export const DEFAULT_ENVIRONMENT_NAME = 'production';

/**
 * Inserts a project with the standard environments, in the caller's transaction (which also
 * writes the audit entry and bumps the config revision).
 */
export async function insertProject(
  tx: Prisma.TransactionClient,
  project: { orgId: string; teamId: string; name: string },
): Promise<Project & { environments: Environment[] }> {
  return tx.project.create({
    data: { ...project, environments: { create: STANDARD_ENVIRONMENTS.map((name) => ({ orgId: project.orgId, name })) } },
    include: { environments: { orderBy: { createdAt: 'asc' } } },
  });
}

/**
 * The team's default project's production environment, creating the project (with its
 * standard environments) when the team has none yet.
 */
export async function ensureDefaultEnvironment(tx: Prisma.TransactionClient, orgId: string, teamId: string): Promise<Environment> {
  const existing = await tx.environment.findFirst({
    where: { orgId, name: DEFAULT_ENVIRONMENT_NAME, project: { teamId, name: DEFAULT_PROJECT_NAME } },
  });
  if (existing) return existing;
  const project =
    (await tx.project.findUnique({ where: { teamId_name: { teamId, name: DEFAULT_PROJECT_NAME } }, include: { environments: true } })) ??
    (await insertProject(tx, { orgId, teamId, name: DEFAULT_PROJECT_NAME }));
  return (
    project.environments.find((e) => e.name === DEFAULT_ENVIRONMENT_NAME) ??
    (await tx.environment.create({ data: { orgId, projectId: project.id, name: DEFAULT_ENVIRONMENT_NAME } }))
  );
}

const createProjectSchema = z.object({ teamId: z.string(), name: nameSchema });

/** Creates a project of a team of `orgId`, with the standard environments; names are unique per team. */
export async function createProject(
  prisma: PrismaClient,
  orgId: string,
  input: { teamId: string; name: string },
  audit: AuditContext,
): Promise<Project> {
  const { teamId, name } = parseInput(createProjectSchema, input);
  return rejectDuplicate(
    () =>
      inTransaction(prisma, async (tx) => {
        const team = isUuid(teamId) ? await tx.team.findFirst({ where: { id: teamId, orgId } }) : null;
        if (!team) throw new InputError('No team with this id in your organization.', 'NOT_FOUND', 'teamId');
        const project = await insertProject(tx, { orgId, teamId, name });
        await writeAudit(tx, audit, { objectType: 'Project', objectId: project.id, before: null, after: project });
        await bumpConfigRevision(tx);
        return project;
      }),
    `This team already has a project named "${name}".`,
    'name',
  );
}

/** Projects of `orgId` the caller may see, optionally of one team, by team then name. */
export async function listProjects(
  prisma: PrismaClient,
  filter: { orgId: string; visible: VisibleTeams; teamId: string | null },
  page: ListPage,
  query: { include?: Prisma.ProjectInclude; select?: Prisma.ProjectSelect } = {},
): Promise<Project[]> {
  const where: Prisma.ProjectWhereInput = { orgId: filter.orgId, teamId: teamIdFilter(filter.visible, filter.teamId) };
  if (page.after !== null && (await prisma.project.count({ where: { AND: [where, { id: page.after }] } })) === 0) throw afterNotInList();
  return prisma.project.findMany({
    ...query,
    where,
    orderBy: [{ teamId: 'asc' }, { name: 'asc' }, { id: 'asc' }],
    ...prismaPage(page),
  } as Prisma.ProjectFindManyArgs);
}
