import type { CounterKind } from '@proxystacks/shared/quota/lease-protocol';
import type { SnapshotBudget, SnapshotRateLimit } from '@proxystacks/shared/snapshot/config-snapshot';
import type { CompiledKey, CompiledSnapshot } from '../snapshot/compiled-snapshot.ts';

/** One counter a key's requests count against, with what a refusal may say about it. */
export interface PlannedCounter {
  readonly key: string;
  readonly kind: CounterKind;
  /** The snapshot's figure (budget amount, rate limit); -1 for a balance (known from the control plane only). */
  readonly limit: number;
  /** Whose counter it is, in the caller's own words: `API key 'ci-bot'`, `team`, `project`, `organization`, `environment`. */
  readonly scopeLabel: string;
  /** Budgets: the budget (alert budgets count but never refuse). */
  readonly budget: SnapshotBudget | null;
  readonly rateLimit: SnapshotRateLimit | null;
}

/** Everything admission needs about one key, computed once per snapshot. */
export interface AdmissionPlan {
  readonly counters: readonly PlannedCounter[];
  /** Some counter is counted in tokens or money: the request's prompt must be estimated. */
  readonly needsEstimate: boolean;
  /** The key has rate limits: its answers carry the x-ratelimit-* headers. */
  readonly hasRateLimits: boolean;
  /** A prepaid organisation without any funding account: nothing can be spent. */
  readonly noFunds: boolean;
}

const EMPTY_PLAN: AdmissionPlan = { counters: [], needsEstimate: false, hasRateLimits: false, noFunds: false };
const plans = new WeakMap<CompiledSnapshot, Map<string, AdmissionPlan> | null>();

/**
 * The counters that apply to a request of `key` (design contract, "Admission"): the rate limits
 * of the key, its team and its project; every budget of its organisation, team, project,
 * environment and the key itself; and, in a prepaid organisation, the balance of its funding
 * account (the project's if it has one, else the team's, else the organisation's). Cached per
 * snapshot and key, so the hot path pays one map lookup.
 */
export function admissionPlan(snapshot: CompiledSnapshot, key: CompiledKey): AdmissionPlan {
  let byKey = plans.get(snapshot);
  if (byKey === undefined) {
    const source = snapshot.source;
    // A snapshot without any limit, budget or prepaid organisation: every key gets the empty plan.
    byKey = source.rateLimits.length === 0 && source.budgets.length === 0 && !source.organizations.some((o) => o.billingMode === 'prepaid') ? null : new Map();
    plans.set(snapshot, byKey);
  }
  if (byKey === null) return EMPTY_PLAN;
  let plan = byKey.get(key.id);
  if (plan === undefined) {
    plan = buildPlan(snapshot, key);
    byKey.set(key.id, plan);
  }
  return plan;
}

function buildPlan(snapshot: CompiledSnapshot, key: CompiledKey): AdmissionPlan {
  const source = snapshot.source;
  const counters: PlannedCounter[] = [];
  const rateScopes: Array<[SnapshotRateLimit['scope'], string, string]> = [
    ['key', key.id, `API key '${key.name}'`],
    ['team', key.teamId, 'team'],
    ['project', key.projectId, 'project'],
  ];
  for (const [scope, scopeId, label] of rateScopes) {
    const rateLimit = source.rateLimits.find((l) => l.scope === scope && l.scopeId === scopeId && l.orgId === key.orgId);
    if (rateLimit === undefined) continue;
    const kinds: Array<['rpm' | 'tpm' | 'conc', number | null]> = [
      ['rpm', rateLimit.requestsPerMinute],
      ['tpm', rateLimit.tokensPerMinute],
      ['conc', rateLimit.concurrentRequests],
    ];
    for (const [kind, limit] of kinds) {
      if (limit !== null) counters.push({ key: `${kind}:${rateLimit.id}`, kind, limit, scopeLabel: label, budget: null, rateLimit });
    }
  }
  const budgetScopes: Record<SnapshotBudget['scope'], [string, string]> = {
    organization: [key.orgId, 'organization'],
    team: [key.teamId, 'team'],
    project: [key.projectId, 'project'],
    environment: [key.environmentId, `environment '${key.environment}'`],
    key: [key.id, `API key '${key.name}'`],
  };
  for (const budget of source.budgets) {
    const [scopeId, label] = budgetScopes[budget.scope];
    if (budget.orgId !== key.orgId || budget.scopeId !== scopeId) continue;
    counters.push({ key: `budget:${budget.id}`, kind: 'budget', limit: budget.amountMicros, scopeLabel: label, budget, rateLimit: null });
  }
  let noFunds = false;
  if (source.organizations.find((o) => o.id === key.orgId)?.billingMode === 'prepaid') {
    const accounts = source.fundingAccounts.filter((a) => a.orgId === key.orgId);
    const account =
      accounts.find((a) => a.scope === 'project' && a.scopeId === key.projectId) ??
      accounts.find((a) => a.scope === 'team' && a.scopeId === key.teamId) ??
      accounts.find((a) => a.scope === 'organization');
    if (account === undefined) noFunds = true;
    else counters.push({ key: `balance:${account.id}`, kind: 'balance', limit: -1, scopeLabel: `${account.scope === 'organization' ? 'organization' : account.scope}`, budget: null, rateLimit: null });
  }
  return {
    counters,
    needsEstimate: counters.some((c) => c.kind === 'tpm' || c.kind === 'budget' || c.kind === 'balance'),
    hasRateLimits: counters.some((c) => c.rateLimit !== null),
    noFunds,
  };
}
