import type { LedgerAccount, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { VisibleTeams } from '../domain/visible-teams.ts';

/**
 * The ledger accounts a caller may read: every account of the organisation with an organisation
 * grant; with team grants only, the TEAM accounts of those teams and the PROJECT accounts of
 * their projects (never the organisation's own account or its counter-accounts).
 */
export async function visibleAccountFilter(prisma: PrismaClient, orgId: string, visible: VisibleTeams): Promise<Prisma.LedgerAccountWhereInput> {
  if (visible === 'all') return { orgId };
  const teamIds = [...visible];
  const projects = await prisma.project.findMany({ where: { orgId, teamId: { in: teamIds } }, select: { id: true } });
  return {
    orgId,
    OR: [
      { kind: 'TEAM', scopeId: { in: teamIds } },
      { kind: 'PROJECT', scopeId: { in: projects.map((p) => p.id) } },
    ],
  };
}

/** The accounts of `orgId` the caller may read, customer accounts first, then counter-accounts, oldest first. */
export async function listLedgerAccounts(prisma: PrismaClient, orgId: string, visible: VisibleTeams): Promise<LedgerAccount[]> {
  const accounts = await prisma.ledgerAccount.findMany({ where: await visibleAccountFilter(prisma, orgId, visible), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  const rank = (a: LedgerAccount) => ['ORGANIZATION', 'TEAM', 'PROJECT', 'TOP_UPS', 'ADJUSTMENTS', 'CREDIT_CODES', 'PROVIDER_SPEND'].indexOf(a.kind);
  return accounts.sort((a, b) => rank(a) - rank(b));
}
