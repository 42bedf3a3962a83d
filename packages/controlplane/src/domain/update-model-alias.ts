import type { ModelAlias, PrismaClient } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { InputError } from './input-error.ts';
import { isUuid } from './input-schemas.ts';
import { inTransaction } from './transaction.ts';

/** What may change on an alias after it was created (each setting validated by its caller). */
export type ModelAliasSettings = Partial<Pick<ModelAlias, 'reserveOutputTokens' | 'routingStrategy' | 'responseCacheTtlSeconds' | 'responseCacheToolStreams'>>;

/**
 * Changes settings of an alias of `orgId` in one transaction with its audit entry and a config
 * revision bump (so data planes get a new snapshot). NOT_FOUND for an alias of another organisation.
 */
export async function updateModelAlias(prisma: PrismaClient, orgId: string, aliasId: string, data: ModelAliasSettings, audit: AuditContext): Promise<ModelAlias> {
  return inTransaction(prisma, async (tx) => {
    const before = isUuid(aliasId) ? await tx.modelAlias.findFirst({ where: { id: aliasId, orgId } }) : null;
    if (!before) throw new InputError('No model alias with this id in your organization.', 'NOT_FOUND', 'aliasId');
    const after = await tx.modelAlias.update({ where: { id: aliasId }, data });
    await writeAudit(tx, audit, { objectType: 'ModelAlias', objectId: aliasId, before, after });
    await bumpConfigRevision(tx);
    return after;
  });
}
