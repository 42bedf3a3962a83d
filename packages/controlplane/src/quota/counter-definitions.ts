import type { CounterKind } from '@proxystacks/shared/quota/lease-protocol';
import type { ConfigSnapshot, SnapshotBudget, SnapshotFundingAccount, SnapshotRateLimit } from '@proxystacks/shared/snapshot/config-snapshot';

/**
 * What one admission counter is, read from the current config snapshot: the same source the
 * data planes enforce from, so a counter a data plane asks about and the capacity it is given
 * can never disagree about which budget or limit is meant.
 */
export type CounterDefinition =
  | { kind: 'budget'; key: string; budget: SnapshotBudget; timeZone: string }
  | { kind: 'balance'; key: string; account: SnapshotFundingAccount }
  | { kind: 'rpm' | 'tpm' | 'conc'; key: string; rateLimit: SnapshotRateLimit; limit: number };

const indexes = new WeakMap<ConfigSnapshot, Map<string, CounterDefinition>>();

/**
 * The definition of `key` in `snapshot`; null when the key names nothing there (a removed budget,
 * a rate limit without that kind): the data plane is told `active: false` and stops enforcing it.
 */
export function findCounterDefinition(snapshot: ConfigSnapshot, key: string): CounterDefinition | null {
  let index = indexes.get(snapshot);
  if (index === undefined) {
    index = indexCounters(snapshot);
    indexes.set(snapshot, index);
  }
  return index.get(key) ?? null;
}

function indexCounters(snapshot: ConfigSnapshot): Map<string, CounterDefinition> {
  const index = new Map<string, CounterDefinition>();
  const timeZones = new Map(snapshot.organizations.map((o) => [o.id, o.timeZone]));
  for (const budget of snapshot.budgets) {
    const key = `budget:${budget.id}`;
    index.set(key, { kind: 'budget', key, budget, timeZone: timeZones.get(budget.orgId) ?? 'UTC' });
  }
  const prepaid = new Set(snapshot.organizations.filter((o) => o.billingMode === 'prepaid').map((o) => o.id));
  for (const account of snapshot.fundingAccounts) {
    if (!prepaid.has(account.orgId)) continue;
    const key = `balance:${account.id}`;
    index.set(key, { kind: 'balance', key, account });
  }
  for (const rateLimit of snapshot.rateLimits) {
    const limits: Array<[CounterKind & ('rpm' | 'tpm' | 'conc'), number | null]> = [
      ['rpm', rateLimit.requestsPerMinute],
      ['tpm', rateLimit.tokensPerMinute],
      ['conc', rateLimit.concurrentRequests],
    ];
    for (const [kind, limit] of limits) {
      if (limit === null) continue;
      const key = `${kind}:${rateLimit.id}`;
      index.set(key, { kind, key, rateLimit, limit });
    }
  }
  return index;
}

