import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

/**
 * Prisma's interactive transaction with room for PGlite: its default 5 s timeout is too short
 * for an embedded database that is still warming up (first queries compile the schema).
 */
export function inTransaction<T>(prisma: PrismaClient, work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  return prisma.$transaction(work, { maxWait: 10_000, timeout: 30_000 });
}
