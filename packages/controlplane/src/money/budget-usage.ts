import { budgetWindow, type BudgetPeriod as WindowPeriod } from '@proxystacks/shared/quota/budget-window';
import type { Budget, BudgetPeriod, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { LimitScope } from './limit-scope.ts';

/** Where a budget stands in its current window. */
export interface BudgetUsage {
  /** The window containing `now`, aligned to the calendar in the organization's time zone. */
  windowStart: Date;
  /** When the window ends and the budget resets; null for LIFETIME. */
  windowEnd: Date | null;
  /** Spend of the budget's scope in [windowStart, now], from the ledger. */
  spentMicros: bigint;
  /** amount − spent, never below 0. */
  remainingMicros: bigint;
  /** spent ÷ amount in percent, rounded down to hundredths (may pass 100: spend can overshoot a little). */
  percentUsed: number;
}

/** Which ledger_transaction column carries each scope's id (the organization is the transaction's org). */
const SCOPE_COLUMN = { TEAM: 'teamId', PROJECT: 'projectId', ENVIRONMENT: 'environmentId', KEY: 'keyId' } as const;

/**
 * Spend of one scope over [from, to): the sum of the PROVIDER_SPEND side of the ledger's REQUEST
 * transactions (each request's cost, posted once per request id) that occurred in the range.
 * Derived from entries every time, never a stored counter, so it is exactly what finance sees.
 */
export async function ledgerSpendMicros(
  db: PrismaClient | Prisma.TransactionClient,
  range: { orgId: string; scope: LimitScope; scopeId: string; from: Date; to: Date | null },
): Promise<bigint> {
  const transaction: Prisma.LedgerTransactionWhereInput = {
    orgId: range.orgId,
    kind: 'REQUEST',
    occurredAt: { gte: range.from, ...(range.to === null ? {} : { lt: range.to }) },
    ...(range.scope === 'ORGANIZATION' ? {} : { [SCOPE_COLUMN[range.scope]]: range.scopeId }),
  };
  const sum = await db.ledgerEntry.aggregate({ _sum: { amountMicros: true }, where: { account: { orgId: range.orgId, kind: 'PROVIDER_SPEND' }, transaction } });
  return sum._sum.amountMicros ?? 0n;
}

/** The budget window of `period` at `nowMs` in `timeZone`, as Dates. */
export function currentBudgetWindow(period: BudgetPeriod, timeZone: string, nowMs: number): { start: Date; end: Date | null } {
  const window = budgetWindow(period.toLowerCase() as WindowPeriod, timeZone, nowMs);
  return { start: new Date(window.start), end: window.end === null ? null : new Date(window.end) };
}

/**
 * Where `budget` stands at `nowMs`: its current window in the organization's `timeZone` (a day
 * is 23 or 25 hours across a DST change and still resets at local midnight) and the ledger's
 * spend of its scope in that window.
 */
export async function budgetUsage(prisma: PrismaClient, budget: Budget, timeZone: string, nowMs: number): Promise<BudgetUsage> {
  const window = currentBudgetWindow(budget.period, timeZone, nowMs);
  const spentMicros = await ledgerSpendMicros(prisma, { orgId: budget.orgId, scope: budget.scope, scopeId: budget.scopeId, from: window.start, to: window.end });
  const remainingMicros = budget.amountMicros > spentMicros ? budget.amountMicros - spentMicros : 0n;
  const percentUsed = budget.amountMicros > 0n ? Number((spentMicros * 10_000n) / budget.amountMicros) / 100 : 0;
  return { windowStart: window.start, windowEnd: window.end, spentMicros, remainingMicros, percentUsed };
}
