import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import { minuteWindow } from '@proxystacks/shared/quota/budget-window';
import type { CounterKind } from '@proxystacks/shared/quota/lease-protocol';
import { admissionPromptTokens } from '../metering/estimate-tokens.ts';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import type { AdmissionPlan, PlannedCounter } from './admission-plan.ts';
import type { LeaseClient } from './lease-client.ts';
import { available, rollIfEnded, type LocalCounter } from './local-counter.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';
import { maxOutputMicrosPerMTok, outputReservation, worstCaseCostMicros } from './worst-case-cost.ts';

/**
 * Admission by reservation (issue 8). Before a request is forwarded it reserves, all or nothing,
 * on every counter that applies (admission-plan.ts): rpm 1, tpm prompt estimate + output
 * reservation, conc 1, budgets and the prepaid balance its worst-case cost. The reservation is
 * taken from this instance's leased share (lease-client.ts) — no database, no round trip — and
 * a request that does not fit waits for renewal rounds (QUOTA_WAIT_MS in all) until it fits or
 * the control plane has no room left for it, then is decided. When it ends, each reservation settles to the real figure and the rest is released;
 * streams extend their reservation step by step as output arrives.
 *
 * Control plane unreachable (the last renewal failed) and the grant used up or lapsed — degraded
 * mode, every admission counted in relay_quota_degraded_admissions_total{kind}:
 * - rpm, tpm, conc fail OPEN at a local limit of limit ÷ (live instances at the last grant);
 * - budgets and balances fail OPEN for one more lease (QUOTA_LEASE_PERCENT of the limit, at least
 *   one request's need) per counter per outage, then CLOSED.
 * Worst-case overspend of a budget of C with N instances and lease L: C + N × L per outage, + L per
 * killed instance, plus one stream step per stream cut at the limit (see
 * controlplane/src/quota/quota-service.ts).
 */

/** What admission reports for /metrics. */
export interface AdmissionObserver {
  degraded(kind: CounterKind): void;
  waited(waitedMs: number): void;
}

/** Options of {@link createAdmission}. */
export interface AdmissionOptions {
  leases: LeaseClient;
  /** Longest a request waits for a renewal round when its reservation does not fit (QUOTA_WAIT_MS). */
  waitMs: number;
  /** Output reservation of a request without max_tokens on an alias without its own (DEFAULT_RESERVE_OUTPUT_TOKENS). */
  defaultReserveOutputTokens: number;
  /** Tokens a stream's reservation grows by each time its output passes it (QUOTA_STREAM_STEP_TOKENS). */
  streamStepTokens: number;
  observer: AdmissionObserver;
}

/** One reservation on one counter. `earlier` is what was reserved in windows that have since ended. */
interface Claim {
  readonly planned: PlannedCounter;
  readonly counter: LocalCounter;
  amount: number;
  windowStart: number | null;
  reserved: number;
  earlier: number;
}

const RATE_KINDS = new Set<CounterKind>(['rpm', 'tpm', 'conc']);
/** tryReserve's answer when every claim fit (shared: the common case allocates nothing). */
const NOTHING_SHORT: readonly Claim[] = Object.freeze([]);

/** An admission plan's counters resolved to this instance's LocalCounters (same order as plan.counters). */
interface ResolvedPlan {
  readonly counters: readonly LocalCounter[];
  readonly rpm: readonly LocalCounter[];
  readonly tpm: readonly LocalCounter[];
}

export function createAdmission(options: AdmissionOptions) {
  const { leases } = options;

  /**
   * The plan's counters as this instance holds them, looked up once per plan (a plan lives as long
   * as its snapshot; the lease client never drops a counter, so the references stay current).
   */
  const resolvedPlans = new WeakMap<AdmissionPlan, ResolvedPlan>();
  function resolvePlan(plan: AdmissionPlan): ResolvedPlan {
    let resolved = resolvedPlans.get(plan);
    if (resolved === undefined) {
      const counters = plan.counters.map((planned) => leases.counter(planned.key, planned.kind, planned.limit));
      resolved = {
        counters,
        rpm: counters.filter((counter) => counter.kind === 'rpm'),
        tpm: counters.filter((counter) => counter.kind === 'tpm'),
      };
      resolvedPlans.set(plan, resolved);
    }
    return resolved;
  }

  /** The claims that do not fit; when none, all are reserved (no await in between: all or nothing). */
  function tryReserve(claims: readonly Claim[]): readonly Claim[] {
    const now = leases.serverNow();
    const margin = leases.expiryMarginMs();
    let short: Claim[] | null = null;
    for (const claim of claims) {
      rollIfEnded(claim.counter, now);
      if (!claim.counter.active || claim.planned.budget?.mode === 'alert') continue;
      if (claim.amount > available(claim.counter, now, margin)) (short ??= []).push(claim);
    }
    if (short !== null) return short;
    commit(claims);
    return NOTHING_SHORT;
  }

  function commit(claims: readonly Claim[]): void {
    const now = leases.serverNow();
    const margin = leases.expiryMarginMs();
    const localNow = Date.now();
    let runningLow = false;
    for (const claim of claims) {
      const { counter } = claim;
      if (claim.windowStart !== counter.windowStart) {
        claim.earlier += claim.reserved;
        claim.reserved = 0;
        claim.windowStart = counter.windowStart;
      }
      counter.used += claim.amount;
      claim.reserved += claim.amount;
      counter.lastUsedAt = localNow;
      if (claim.amount > counter.largestNeed) counter.largestNeed = claim.amount;
      if (available(counter, now, margin) < leases.leaseSize(counter) / 2) runningLow = true;
    }
    if (runningLow) leases.renewSoon();
  }

  /**
   * Degraded mode: may this claim go ahead although it does not fit its (lapsed or spent) grant?
   * Only while the control plane is unreachable, or `stalled`: it did not answer in time.
   */
  function fitsDegraded(claim: Claim, stalled: boolean): boolean {
    if (leases.reachable() && !stalled) return false;
    const { counter } = claim;
    if (RATE_KINDS.has(counter.kind)) {
      const localLimit = Math.floor(claim.planned.limit / Math.max(1, counter.liveInstances));
      return counter.used + claim.amount <= Math.max(localLimit, counter.granted);
    }
    if (counter.limit < 0) return false; // a balance never seen: nothing is known to spend
    // L = max(lease share, one request's worst case) (README): the first request of an outage
    // fits even when it alone is larger than the share.
    return counter.degradedUsed + claim.amount <= Math.max(leases.leaseSize(counter), claim.amount);
  }

  /**
   * Could another round make `claim` fit? The last grant's `remaining` is what nobody holds: a
   * request that would fit in it is not refused while the control plane still answers.
   */
  function roomLeft(claim: Claim): boolean {
    const { counter } = claim;
    return counter.remainingOthers + Math.max(0, available(counter, leases.serverNow(), leases.expiryMarginMs())) >= claim.amount;
  }

  /**
   * Reserves `claims` or throws the refusal. A claim that does not fit asks for its shortfall
   * and waits for renewal rounds — up to QUOTA_WAIT_MS in all — until it fits, the control plane
   * says the counter has no room for it, or the control plane cannot be reached. One round is
   * not always enough: requests arriving meanwhile take what was left locally, and several
   * waiting requests share one answer.
   */
  async function reserve(claims: readonly Claim[]): Promise<void> {
    const short = tryReserve(claims);
    if (short.length > 0) await waitAndReserve(claims, short);
  }

  /** reserve() once `short` did not fit at once: renewal rounds, then the refusal or degraded mode. */
  async function waitAndReserve(claims: readonly Claim[], firstShort: readonly Claim[]): Promise<void> {
    let short = firstShort;
    const started = performance.now();
    const deadline = started + options.waitMs;
    do {
      for (const claim of short) {
        claim.counter.shortfall += Math.max(1, claim.amount - Math.max(0, available(claim.counter, leases.serverNow(), leases.expiryMarginMs())));
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([leases.nextRound(), new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - performance.now()))))]);
      clearTimeout(timer);
      short = tryReserve(claims);
    } while (short.length > 0 && leases.reachable() && performance.now() < deadline && short.every(roomLeft));
    options.observer.waited(performance.now() - started);
    if (short.length === 0) return;
    // QUOTA_WAIT_MS ran out while the control plane still counted as reachable and nobody was
    // known to hold the room these claims need: its renewals are too slow to answer in time (a
    // control plane busy catching up). Refusing would report its latency as an exhausted budget,
    // so the outage rules apply instead (budgets open for one lease, rate limits at limit ÷ N).
    const stalled = leases.reachable() && performance.now() >= deadline && short.every(roomLeft);
    const refused = short.find((claim) => !fitsDegraded(claim, stalled));
    if (refused !== undefined) throw refusal(refused);
    for (const claim of short) {
      if (!RATE_KINDS.has(claim.counter.kind)) claim.counter.degradedUsed += claim.amount;
      options.observer.degraded(claim.counter.kind);
    }
    commit(claims);
  }

  function refusal(claim: Claim): RelayError {
    const { counter, planned } = claim;
    const now = leases.serverNow();
    if (RATE_KINDS.has(counter.kind)) {
      const end = counter.windowEnd ?? minuteWindow(now).end!;
      const retryAfterSeconds = counter.kind === 'conc' ? 1 : Math.max(1, Math.ceil((end - now) / 1000));
      const what = counter.kind === 'rpm' ? 'requests per minute' : counter.kind === 'tpm' ? 'tokens per minute' : 'concurrent requests';
      const need = counter.kind === 'tpm' ? ` (this request needs ${claim.amount} tokens)` : '';
      return new RelayError('rate_limit_exceeded', `Rate limit reached for ${what} on your ${planned.scopeLabel}: limit ${planned.limit}${need}. Please try again in ${retryAfterSeconds}s.`, { retryAfterSeconds });
    }
    if (planned.budget !== null) {
      const { budget } = planned;
      const period = budget.period === 'lifetime' ? 'lifetime' : budget.period === 'day' ? 'daily' : `${budget.period}ly`;
      const end = counter.windowEnd;
      const message = `The ${period} budget${budget.name === '' ? '' : ` '${budget.name}'`} of your ${planned.scopeLabel} does not cover this request.`;
      return new RelayError('insufficient_quota', end === null ? message : `${message} It resets at ${new Date(end).toISOString()}.`, end === null ? {} : { retryAfterSeconds: Math.max(1, Math.ceil((end - now) / 1000)) });
    }
    return new RelayError('insufficient_quota', `The prepaid balance of your ${planned.scopeLabel} does not cover this request. Add funds to continue.`);
  }

  /** A request's reservations, settled once when it ends. */
  class QuotaTicket {
    #settled = false;
    outputReserved: number;
    constructor(
      readonly claims: readonly Claim[],
      outputReserved: number,
      readonly outputMicrosPerMTok: number,
    ) {
      this.outputReserved = outputReserved;
    }

    /**
     * Streamed output passed the reservation (`outputTokens` so far): reserves one more step.
     * Returns the refusal when it does not fit (the stream is then ended with it), else null.
     */
    async extendOutput(outputTokens: number): Promise<RelayError | null> {
      if (this.#settled) return null;
      const stepTokens = Math.max(options.streamStepTokens, outputTokens - this.outputReserved);
      const stepMicros = Math.ceil((stepTokens * this.outputMicrosPerMTok) / 1_000_000);
      const extra: Claim[] = [];
      for (const claim of this.claims) {
        const amount = claim.counter.kind === 'tpm' ? stepTokens : claim.counter.kind === 'budget' || claim.counter.kind === 'balance' ? stepMicros : 0;
        if (amount > 0) extra.push(Object.assign(claim, { amount }));
      }
      try {
        if (extra.length > 0) await reserve(extra);
      } catch (err) {
        return err as RelayError;
      }
      this.outputReserved += stepTokens;
      return null;
    }

    /** Settles every reservation to the real figures (idempotent): the rest returns to the grant. */
    settle(totalTokens: number, costMicros: number): void {
      if (this.#settled) return;
      this.#settled = true;
      for (const claim of this.claims) {
        const { counter } = claim;
        if (claim.windowStart === null || counter.windowStart !== claim.windowStart) continue;
        const actual = counter.kind === 'rpm' ? 1 : counter.kind === 'conc' ? 0 : counter.kind === 'tpm' ? totalTokens : costMicros;
        counter.used = Math.max(0, counter.used + Math.max(0, actual - claim.earlier) - claim.reserved);
      }
    }
  }

  return {
    /**
     * Reserves what the request may use on every counter of `plan`; null when nothing applies.
     * @throws RelayError `rate_limit_exceeded` / `insufficient_quota` with retry-after.
     */
    async admit(plan: AdmissionPlan, request: ChatCompletionRequest, deployments: readonly CompiledDeployment[], aliasReserveOutputTokens: number | null): Promise<QuotaTicket | null> {
      return this.admitTokens(
        plan,
        () => admissionPromptTokens(request.messages),
        outputReservation(request, aliasReserveOutputTokens, options.defaultReserveOutputTokens),
        deployments,
      );
    },
    /**
     * Reserves for a request whose input is `estimateInput()` tokens (asked only when a counter
     * needs it; a number when known at once) and whose output may reach `outputTokens` (0 for embeddings): all counters of
     * `plan` or none. Chat completions and embeddings both admit through here.
     */
    async admitTokens(
      plan: AdmissionPlan,
      estimateInput: () => number | Promise<number>,
      outputTokens: number,
      deployments: readonly CompiledDeployment[],
    ): Promise<QuotaTicket | null> {
      if (plan.noFunds) throw new RelayError('insufficient_quota', 'Your organization has no prepaid balance. Add funds to continue.');
      if (plan.counters.length === 0) return null;
      let promptTokens = 0;
      if (plan.needsEstimate) {
        const estimate = estimateInput();
        promptTokens = typeof estimate === 'number' ? estimate : await estimate;
      }
      const costMicros = plan.needsEstimate ? worstCaseCostMicros(deployments, promptTokens, outputTokens) : 0;
      const { counters } = resolvePlan(plan);
      const claims: Claim[] = new Array(counters.length);
      for (let i = 0; i < counters.length; i++) {
        const planned = plan.counters[i]!;
        const amount = planned.kind === 'rpm' || planned.kind === 'conc' ? 1 : planned.kind === 'tpm' ? promptTokens + outputTokens : costMicros;
        claims[i] = { planned, counter: counters[i]!, amount, windowStart: null, reserved: 0, earlier: 0 };
      }
      // Most requests fit their local grant: no await (and no promise) unless one must wait for a round.
      const short = tryReserve(claims);
      if (short.length > 0) await waitAndReserve(claims, short);
      return new QuotaTicket(claims, outputTokens, maxOutputMicrosPerMTok(deployments));
    },
    /**
     * Each counter of `plan` as this instance knows it, for GET /v1/key: counters without a live
     * grant are renewed first (one round, at most QUOTA_WAIT_MS), so the figures are current.
     */
    async describe(plan: AdmissionPlan): Promise<Array<{ planned: PlannedCounter; counter: LocalCounter }>> {
      const now = leases.serverNow();
      const views = plan.counters.map((planned) => ({ planned, counter: leases.counter(planned.key, planned.kind, planned.limit) }));
      const stale = views.filter(({ counter }) => counter.windowStart === null || now >= counter.expiresAt - leases.expiryMarginMs());
      if (stale.length > 0) {
        for (const { counter } of stale) counter.lastUsedAt = Date.now();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([leases.nextRound(), new Promise<void>((resolve) => (timer = setTimeout(resolve, options.waitMs)))]);
        clearTimeout(timer);
      }
      for (const { counter } of views) rollIfEnded(counter, leases.serverNow());
      return views;
    },
    /** The x-ratelimit-* headers for a key's answers (null without rate limits). */
    headers(plan: AdmissionPlan): Record<string, string> | null {
      if (!plan.hasRateLimits) return null;
      const { rpm, tpm } = resolvePlan(plan);
      const now = leases.serverNow();
      for (const counter of rpm) rollIfEnded(counter, now);
      for (const counter of tpm) rollIfEnded(counter, now);
      return rateLimitHeaders(rpm, tpm, now);
    },
  };
}

export type Admission = ReturnType<typeof createAdmission>;
export type { QuotaTicketLike as QuotaTicket };

/** The ticket a request holds while it runs. */
interface QuotaTicketLike {
  outputReserved: number;
  extendOutput(outputTokens: number): Promise<RelayError | null>;
  settle(totalTokens: number, costMicros: number): void;
}
