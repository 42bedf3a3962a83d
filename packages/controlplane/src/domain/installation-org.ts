import type { PrismaClient } from '../generated/prisma/client.ts';

/**
 * True when `orgId` is the installation's own organization: the oldest one (the one bootstrap
 * made first). Data no organization owns, such as requests with a key nobody issued, is shown
 * to it alone; every other organization of a shared installation sees none of it.
 */
export async function isInstallationOrg(prisma: PrismaClient, orgId: string): Promise<boolean> {
  const oldest = await prisma.organization.findFirst({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true } });
  return oldest !== null && oldest.id === orgId;
}
