import type { CounterKind } from '@proxystacks/shared/quota/lease-protocol';

/** One instance's lease on a counter window, as stored (figures cumulative in the window). */
export interface LeaseRow {
  instanceId: string;
  granted: number;
  used: number;
  expiresAtMs: number;
}

/** What {@link decideGrant} needs to know about one demand. */
export interface GrantInput {
  kind: CounterKind;
  limit: number;
  /** Used before any lease (budget spend from the ledger when the window was first seen). */
  baseUsed: number;
  /** Every other instance's lease on this window. */
  others: readonly LeaseRow[];
  /** This instance's lease before the demand; null on its first demand in the window. */
  own: LeaseRow | null;
  /** What the instance reports using now (cumulative; for `conc`: slots held, plus what it keeps admitting on). */
  used: number;
  want: number;
  nowMs: number;
}

/** The decision: the instance's new cumulative grant and what it leaves for everyone. */
export interface GrantDecision {
  granted: number;
  used: number;
  /** Capacity not committed to anyone after this grant (may be < 0 after degraded overspend). */
  remaining: number;
  /** Spend (or use) so far: base plus every lease's `used` — what alert thresholds compare with. */
  spent: number;
  /** Instances with a live lease, this one included. */
  liveInstances: number;
}

/**
 * The grant rule. What others hold is
 *
 *   committed_others = Σ live leases max(granted, used) + Σ expired leases used   (conc: expired → 0)
 *
 * (an expired lease's unused capacity returns to the pool; its use stays counted, because the
 * requests behind it were admitted; a dead instance's concurrency slots are free again), and the
 * instance gets
 *
 *   granted = max(held, min(used + want, max(used, limit − baseUsed − committed_others)))
 *
 * — `want` is what the instance wants available beyond what it reports using, so a demand is a
 * target and the same demand twice grants the same (no capacity piles up at an instance whose
 * renewals time out and are answered late) — where `held` = max(its live grant, used): a grant
 * never shrinks while its lease lives, so a
 * data plane that admitted requests on it between report and answer is never retroactively
 * overdrawn — except for `conc`, where `held` = used: the data plane reports as `used` the slots
 * it holds plus the headroom it keeps admitting on until the answer arrives, so idle slots flow
 * back to the instances that need them at once instead of at lease expiry.
 *
 * Σ granted therefore never exceeds the limit. Fairness between instances comes from the size of
 * what they ask for: a data plane asks proactively for one lease (QUOTA_LEASE_FRACTION of the
 * limit, at least one request's need) and, when a request does not fit, for exactly its shortfall,
 * so capacity parked unused at other instances is at most (N − 1) × lease — the margin below the
 * limit where a request can be refused although the counter is not exhausted.
 */
export function decideGrant(input: GrantInput): GrantDecision {
  const { kind, nowMs } = input;
  let othersCommitted = 0;
  let othersUsed = 0;
  let liveInstances = 1;
  for (const lease of input.others) {
    const live = lease.expiresAtMs > nowMs;
    if (live) liveInstances++;
    if (kind === 'conc') {
      if (live) {
        othersCommitted += Math.max(lease.granted, lease.used);
        othersUsed += lease.used;
      }
      continue;
    }
    othersCommitted += live ? Math.max(lease.granted, lease.used) : lease.used;
    othersUsed += lease.used;
  }
  const ownLive = input.own !== null && input.own.expiresAtMs > nowMs;
  // Cumulative reports only grow; an older retry cannot lower what was recorded (conc goes both ways).
  const used = kind === 'conc' ? input.used : Math.max(input.used, input.own?.used ?? 0);
  const held = kind === 'conc' ? used : Math.max(ownLive ? input.own!.granted : 0, used);
  // `want` is a target above `used`, not an increment on the grant: a retried or late demand
  // (a renewal the data plane gave up on, answered after it sent the next) asks for the same
  // target again and changes nothing, instead of piling another `want` on top of the grant.
  const pool = input.limit - input.baseUsed - othersCommitted;
  const granted = Math.max(held, Math.min(used + input.want, Math.max(used, pool)));
  return {
    granted,
    used,
    remaining: input.limit - input.baseUsed - othersCommitted - granted,
    spent: input.baseUsed + othersUsed + used,
    liveInstances,
  };
}
