import type { BillingMode, PrismaClient } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from '../domain/config-revision.ts';
import { inTransaction } from '../domain/transaction.ts';

/**
 * Switches the organisation between POSTPAID (spend is recorded, never stopped by the balance)
 * and PREPAID (a funding account at or below zero stops requests like a hard budget). Data planes
 * decide with the snapshot's `organizations[].billingMode`, so the config revision is bumped in
 * the same transaction. Audited; setting the mode it already has changes nothing.
 */
export async function setBillingMode(prisma: PrismaClient, mode: BillingMode, audit: AuditContext): Promise<BillingMode> {
  return inTransaction(prisma, async (tx) => {
    const before = await tx.organization.findUniqueOrThrow({ where: { id: audit.orgId }, select: { id: true, billingMode: true } });
    if (before.billingMode === mode) {
      await writeAudit(tx, audit, { objectType: 'Organization', objectId: before.id, before, after: before });
      return mode;
    }
    const after = await tx.organization.update({ where: { id: audit.orgId }, data: { billingMode: mode }, select: { id: true, billingMode: true } });
    await writeAudit(tx, audit, { objectType: 'Organization', objectId: after.id, before, after });
    await bumpConfigRevision(tx);
    return after.billingMode;
  });
}
