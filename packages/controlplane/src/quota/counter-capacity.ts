import type { Prisma } from '../generated/prisma/client.ts';
import type { CounterDefinition } from './counter-definitions.ts';

type Tx = Prisma.TransactionClient;

/** Ledger transaction columns a budget scope filters request postings by. */
const SCOPE_COLUMN = {
  organization: null,
  team: 'team_id',
  project: 'project_id',
  environment: 'environment_id',
  key: 'key_id',
} as const;

/**
 * Capacity of a counter in its window (micros for budgets and balances, requests, tokens or
 * slots for rate limits). A balance's capacity is read from the ledger on every renewal, so a
 * top-up reaches data planes within one lease round:
 *
 *   balance = Σ the account's non-request entries (top-ups, adjustments, credit codes)
 *           + Σ its request entries that occurred before the counter began (negative: spend)
 *
 * Spend since the counter began is not in that sum: it is in the leases' `used`, counted once.
 */
export async function counterLimit(tx: Tx, definition: CounterDefinition, counterCreatedAtMs: number): Promise<number> {
  switch (definition.kind) {
    case 'budget':
      return definition.budget.amountMicros;
    case 'balance': {
      const rows = await tx.$queryRaw<Array<{ total: string | null }>>`
        SELECT COALESCE(SUM(e.amount_micros), 0)::text AS total
        FROM ledger_entry e JOIN ledger_transaction t ON t.id = e.transaction_id
        WHERE e.account_id = ${definition.account.id}::uuid
          AND (t.kind <> 'REQUEST' OR e.occurred_at < ${new Date(counterCreatedAtMs)})`;
      return Math.max(0, Number(rows[0]?.total ?? 0));
    }
    default:
      return definition.limit;
  }
}

/**
 * What was already used of a counter when the control plane first saw its window: for a budget,
 * the ledger's request spend of its scope in [window start, now) — spend made before any data
 * plane held a lease (an earlier control plane, requests before the budget existed). Rate
 * limits, balances and concurrency start from 0 (a balance's earlier spend is in its capacity).
 */
export async function counterBaseUsed(tx: Tx, definition: CounterDefinition, windowStartMs: number, nowMs: number): Promise<number> {
  if (definition.kind !== 'budget') return 0;
  const { budget } = definition;
  const column = SCOPE_COLUMN[budget.scope];
  // The column name comes from the fixed table above, never from input.
  const scopeFilter = column === null ? '' : `AND t.${column} = $4`;
  const rows = await tx.$queryRawUnsafe<Array<{ total: string | null }>>(
    `SELECT COALESCE(SUM(e.amount_micros), 0)::text AS total
     FROM ledger_entry e
     JOIN ledger_transaction t ON t.id = e.transaction_id
     JOIN ledger_account a ON a.id = e.account_id
     WHERE t.kind = 'REQUEST' AND a.kind = 'PROVIDER_SPEND' AND t.org_id = $1::uuid
       AND t.occurred_at >= $2 AND t.occurred_at < $3 ${scopeFilter}`,
    budget.orgId,
    new Date(windowStartMs),
    new Date(nowMs),
    ...(column === null ? [] : [budget.scopeId]),
  );
  return Math.max(0, Number(rows[0]?.total ?? 0));
}
