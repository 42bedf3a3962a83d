import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

/**
 * Balances of `accountIds`: the sum of each account's entries, computed on every read (one
 * grouped query), never a stored counter. An account without entries has balance 0.
 * `before` limits the sum to entries that occurred before that instant.
 */
export async function accountBalances(prisma: PrismaClient | Prisma.TransactionClient, accountIds: readonly string[], before?: Date): Promise<Map<string, bigint>> {
  const balances = new Map<string, bigint>(accountIds.map((id) => [id, 0n]));
  if (accountIds.length === 0) return balances;
  const sums = await prisma.ledgerEntry.groupBy({
    by: ['accountId'],
    where: { accountId: { in: [...accountIds] }, ...(before ? { occurredAt: { lt: before } } : {}) },
    _sum: { amountMicros: true },
  });
  for (const row of sums) balances.set(row.accountId, row._sum.amountMicros ?? 0n);
  return balances;
}
