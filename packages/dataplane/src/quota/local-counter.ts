import type { CounterGrant, CounterKind } from '@proxystacks/shared/quota/lease-protocol';

/**
 * One admission counter as this data plane instance holds it: its share of the counter's
 * capacity in the current window (granted by the control plane) and what it has used of it,
 * settled and still reserved. Times are the control plane's clock (see LeaseClient.serverNow).
 */
export interface LocalCounter {
  readonly key: string;
  readonly kind: CounterKind;
  /** Window of the grant (0 for lifetime counters and `conc`); null until the first grant. */
  windowStart: number | null;
  windowEnd: number | null;
  /** Capacity of the whole counter (from the last grant; else the snapshot's figure, -1 when unknown). */
  limit: number;
  /** Cumulative grant for this instance in the window. */
  granted: number;
  /** Settled plus reserved in the window (conc: slots held). */
  used: number;
  /** What everyone else has not committed yet, as of the last grant (headers, GET /v1/key). */
  remainingOthers: number;
  /** The grant is void from this instant on (control plane clock). */
  expiresAt: number;
  /** False once the control plane said the counter no longer exists. */
  active: boolean;
  /** Instances holding a lease at the last grant (degraded rate limits use limit ÷ this). */
  liveInstances: number;
  /** Largest single reservation seen: a lease is never smaller (so one request never waits for two rounds). */
  largestNeed: number;
  /** Shortfall of the requests waiting for the next renewal round (moved into that round's demand). */
  shortfall: number;
  /** Capacity admitted beyond the grant while the control plane is unreachable (budgets, balances). */
  degradedUsed: number;
  /** Local clock (ms) of the last reservation: idle counters stop being renewed and their lease lapses. */
  lastUsedAt: number;
}

/** A counter with nothing granted yet. */
export function newLocalCounter(key: string, kind: CounterKind, limit: number, nowMs: number): LocalCounter {
  return {
    key,
    kind,
    windowStart: null,
    windowEnd: null,
    limit,
    granted: 0,
    used: 0,
    remainingOthers: limit < 0 ? 0 : limit,
    expiresAt: 0,
    active: true,
    liveInstances: 1,
    largestNeed: 1,
    shortfall: 0,
    degradedUsed: 0,
    lastUsedAt: nowMs,
  };
}

/**
 * Applies a grant. A grant for a newer window than the one held starts the counter from zero
 * (reservations from the old window settle against nothing: that window is over); one for an
 * older window (a late answer) is ignored.
 */
export function applyGrant(counter: LocalCounter, grant: CounterGrant): void {
  if (!grant.active) {
    counter.active = false;
    return;
  }
  counter.active = true;
  if (counter.windowStart !== null && grant.windowStart < counter.windowStart) return;
  if (counter.windowStart !== null && grant.windowStart > counter.windowStart) counter.used = 0;
  counter.windowStart = grant.windowStart;
  counter.windowEnd = grant.windowEnd;
  counter.limit = grant.limit;
  counter.granted = grant.granted;
  counter.remainingOthers = Math.max(0, grant.remaining);
  counter.expiresAt = grant.expiresAt;
  counter.liveInstances = grant.liveInstances ?? counter.liveInstances;
}

/**
 * Rolls a windowed counter whose window ended (control plane clock `serverNowMs`): from then on
 * it counts from zero and needs a grant for the new window.
 */
export function rollIfEnded(counter: LocalCounter, serverNowMs: number): void {
  if (counter.windowEnd === null || serverNowMs < counter.windowEnd) return;
  counter.windowStart = counter.windowEnd;
  // Minutes follow each other; a budget's next calendar window is named by the next grant.
  counter.windowEnd = counter.kind === 'rpm' || counter.kind === 'tpm' ? counter.windowEnd + 60_000 : null;
  counter.granted = 0;
  counter.used = 0;
  counter.degradedUsed = 0;
  counter.remainingOthers = counter.limit;
  counter.expiresAt = 0;
}

/** Capacity left to this instance: 0 once the grant has lapsed (its unused part went back to the pool). */
export function available(counter: LocalCounter, serverNowMs: number, expiryMarginMs: number): number {
  if (serverNowMs >= counter.expiresAt - expiryMarginMs) return 0;
  return counter.granted - counter.used;
}

/** What the whole counter has left as far as this instance knows (for headers and GET /v1/key). */
export function remainingOverall(counter: LocalCounter): number {
  return Math.max(0, counter.remainingOthers + Math.max(0, counter.granted - counter.used));
}
