import { z } from 'zod';
import type { Environment, PrismaClient } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { InputError, parseInput, rejectDuplicate } from './input-error.ts';
import { environmentNameSchema, isUuid } from './input-schemas.ts';
import { inTransaction } from './transaction.ts';

const createEnvironmentSchema = z.object({ projectId: z.string(), name: environmentNameSchema });

/**
 * Adds a named environment (`eu-staging`) to a project of `orgId`. Names are lower-case slugs,
 * unique per project: routes and providers refer to environments by name.
 */
export async function createEnvironment(
  prisma: PrismaClient,
  orgId: string,
  input: { projectId: string; name: string },
  audit: AuditContext,
): Promise<Environment> {
  const { projectId, name } = parseInput(createEnvironmentSchema, input);
  return rejectDuplicate(
    () =>
      inTransaction(prisma, async (tx) => {
        const project = isUuid(projectId) ? await tx.project.findFirst({ where: { id: projectId, orgId } }) : null;
        if (!project) throw new InputError('No project with this id in your organization.', 'NOT_FOUND', 'projectId');
        const environment = await tx.environment.create({ data: { orgId, projectId, name } });
        await writeAudit(tx, audit, { objectType: 'Environment', objectId: environment.id, before: null, after: environment });
        await bumpConfigRevision(tx);
        return environment;
      }),
    `This project already has an environment named "${name}".`,
    'name',
  );
}
