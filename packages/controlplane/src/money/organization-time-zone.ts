import type { Organization, PrismaClient } from '../generated/prisma/client.ts';
import { isValidTimeZone } from '@proxystacks/shared/quota/budget-window';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from '../domain/config-revision.ts';
import { InputError } from '../domain/input-error.ts';
import { inTransaction } from '../domain/transaction.ts';

/**
 * Sets the IANA time zone budget windows of `orgId` are aligned to (days, ISO weeks and months
 * start at local midnight there). Data planes and the quota service read it from the snapshot,
 * so the change bumps the config revision; windows already open keep their counters (the next
 * window starts on the new zone's boundary).
 * @throws InputError on `timeZone` for a zone this runtime does not know.
 */
export async function setOrganizationTimeZone(prisma: PrismaClient, orgId: string, timeZone: string, audit: AuditContext): Promise<Organization> {
  const zone = timeZone.trim();
  if (zone.length === 0 || zone.length > 64 || !isValidTimeZone(zone)) {
    throw new InputError('timeZone: must be an IANA time zone such as "Europe/Berlin" or "UTC"', 'BAD_USER_INPUT', 'timeZone');
  }
  return inTransaction(prisma, async (tx) => {
    const before = await tx.organization.findUniqueOrThrow({ where: { id: orgId } });
    if (before.timeZone === zone) return before;
    const after = await tx.organization.update({ where: { id: orgId }, data: { timeZone: zone } });
    await writeAudit(tx, audit, { objectType: 'Organization', objectId: orgId, before, after });
    await bumpConfigRevision(tx);
    return after;
  });
}
