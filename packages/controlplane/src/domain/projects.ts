import type { Environment, Prisma, Project } from '../generated/prisma/client.ts';

/** Environments every project has from its creation on. */
export const STANDARD_ENVIRONMENTS = ['production', 'staging', 'development'] as const;

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
