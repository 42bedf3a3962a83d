import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { INTERNAL_QUOTA_PATH, quotaLeaseResponseSchema, type CounterDemand, type CounterKind } from '@proxystacks/shared/quota/lease-protocol';
import { applyGrant, available, newLocalCounter, rollIfEnded, type LocalCounter } from './local-counter.ts';

/** What the lease client reports for /metrics. */
export interface LeaseObserver {
  renewed(): void;
  renewFailed(): void;
}

/** Options of {@link createLeaseClient}. */
export interface LeaseClientOptions {
  /** The control plane's base URL; null = none (every counter runs in degraded mode). */
  controlplaneUrl: string | null;
  internalToken: string;
  dataplaneId: string;
  /** A lease is this share of a counter's limit (QUOTA_LEASE_PERCENT ÷ 100), at least one request's need. */
  leaseFraction: number;
  observer: LeaseObserver;
  logger: Pick<Logger, 'warn' | 'info'>;
}

/** Lease lifetime assumed until the control plane names its own. */
const DEFAULT_LEASE_TTL_MS = 30_000;
/** A renewal that takes longer than this counts as failed. */
const RENEW_TIMEOUT_MS = 5_000;
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;

/**
 * The data plane's side of the quota lease protocol: holds this instance's counters, and renews
 * all of them in one POST per round — proactively (a counter below half a lease, and every
 * lease TTL ÷ 3 for counters in use) and on demand (a request that does not fit waits for one
 * round). Rounds never overlap; a round asked for during one runs right after it. Failures back
 * off exponentially (100 ms … 5 s); meanwhile waiting requests are decided at once, in degraded
 * mode. The instance id is random per process, so a restarted data plane never inherits the
 * leases of its previous life (they expire and their unused capacity returns to the pool).
 * Times of grants are the control plane's clock; `serverNow()` corrects for the skew measured on
 * each answer (serverTime against the midpoint of the round trip).
 */
export function createLeaseClient(options: LeaseClientOptions) {
  const instanceId = `${options.dataplaneId.slice(0, 60)}/${randomUUID()}`;
  const url = options.controlplaneUrl === null ? null : new URL(INTERNAL_QUOTA_PATH, options.controlplaneUrl).toString();
  const counters = new Map<string, LocalCounter>();
  let skewMs = 0;
  let leaseTtlMs = DEFAULT_LEASE_TTL_MS;
  /** True after a successful round, false after a failed one (or before any). */
  let reachable = false;
  let backoffMs = 0;
  let retryAt = 0;
  let running: Promise<void> | null = null;
  let waiting: Array<() => void> = [];
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const serverNow = () => Date.now() + skewMs;
  const expiryMarginMs = () => Math.floor(leaseTtlMs / 6);

  /** A lease: the share asked for proactively. */
  function leaseSize(counter: LocalCounter): number {
    const share = counter.limit > 0 ? Math.ceil(counter.limit * options.leaseFraction) : 1;
    return Math.max(1, share, counter.kind === 'conc' ? 1 : counter.largestNeed);
  }

  /** The counter's demand for this round; the shortfall of the requests waiting for it moves into it. */
  function demandOf(counter: LocalCounter, nowServer: number): CounterDemand {
    rollIfEnded(counter, nowServer);
    const lease = leaseSize(counter);
    const shortfall = counter.shortfall;
    counter.shortfall = 0;
    const left = Math.max(0, available(counter, nowServer, expiryMarginMs()));
    if (counter.kind === 'conc') {
      // Report the headroom kept as used and admit on nothing more until the answer: the control
      // plane may then shrink the grant to it without ever overdrawing this instance.
      const keep = Math.min(left, lease);
      counter.granted = counter.used + keep;
      return { key: counter.key, windowStart: 0, used: counter.used + keep, want: Math.max(0, lease - keep) + shortfall };
    }
    // A target above `used` (what it wants available after the grant), so a retried round asks for the same.
    return { key: counter.key, windowStart: counter.windowStart ?? 0, used: counter.used, want: Math.max(left, lease) + shortfall };
  }

  async function round(): Promise<void> {
    if (url === null) return;
    const idleBefore = Date.now() - 2 * leaseTtlMs;
    const nowServer = serverNow();
    const demands: CounterDemand[] = [];
    for (const counter of counters.values()) {
      // Idle counters are not renewed: their lease lapses and its unused part returns to the pool.
      const busy = counter.lastUsedAt > idleBefore || counter.shortfall > 0 || (counter.kind === 'conc' && counter.used > 0);
      if (busy && counter.active) demands.push(demandOf(counter, nowServer));
    }
    if (demands.length === 0) return;
    const sentAt = Date.now();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.internalToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ dataplaneId: options.dataplaneId.slice(0, 200), instanceId, counters: demands }),
        signal: AbortSignal.timeout(RENEW_TIMEOUT_MS),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`control plane answered ${response.status}`);
      }
      const answer = quotaLeaseResponseSchema.parse(await response.json());
      skewMs = answer.serverTime - Math.round((sentAt + Date.now()) / 2);
      leaseTtlMs = answer.leaseTtlMs;
      for (const grant of answer.grants) {
        const counter = counters.get(grant.key);
        if (counter !== undefined) applyGrant(counter, grant);
      }
      if (!reachable && backoffMs > 0) options.logger.info('quota service reachable again');
      reachable = true;
      backoffMs = 0;
      for (const counter of counters.values()) counter.degradedUsed = 0;
      options.observer.renewed();
    } catch (err) {
      if (reachable || backoffMs === 0) options.logger.warn({ reason: (err as Error).message }, 'quota renewal failed; admitting in degraded mode while it lasts');
      reachable = false;
      backoffMs = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, backoffMs * 2));
      retryAt = Date.now() + backoffMs;
      options.observer.renewFailed();
    }
  }

  /** Starts a round now, or right after the one running; resolves the callers waiting for it when it ends. */
  function kick(): void {
    if (stopped) return;
    if (running !== null) {
      again = true;
      return;
    }
    if (!reachable && Date.now() < retryAt) {
      // Backing off: nobody waits for a round that will not happen now (nor asks for it later).
      const released = waiting;
      waiting = [];
      for (const counter of counters.values()) counter.shortfall = 0;
      for (const resolve of released) resolve();
      return;
    }
    const batch = waiting;
    waiting = [];
    running = round().finally(() => {
      running = null;
      for (const resolve of batch) resolve();
      if (again || waiting.length > 0) {
        again = false;
        kick();
      }
    });
  }

  return {
    instanceId,
    serverNow,
    expiryMarginMs,
    leaseSize,
    /** True while the last renewal round succeeded. */
    reachable: () => reachable,
    /** The counter `key`, created (with the snapshot's limit, -1 when unknown) on first use. */
    counter(key: string, kind: CounterKind, snapshotLimit: number): LocalCounter {
      let counter = counters.get(key);
      if (counter === undefined) {
        counter = newLocalCounter(key, kind, snapshotLimit, Date.now());
        counters.set(key, counter);
      }
      return counter;
    },
    /** Asks for a round soon (a counter runs low); returns at once. */
    renewSoon(): void {
      if (running === null) kick();
    },
    /** Resolves when a round that starts after this call has ended (or at once while backing off). */
    nextRound(): Promise<void> {
      return new Promise<void>((resolve) => {
        waiting.push(resolve);
        kick();
      });
    },
    /** Renews every lease TTL ÷ 3 so grants in use never lapse. */
    start(): void {
      const tick = () => {
        if (stopped) return;
        kick();
        timer = setTimeout(tick, Math.max(250, Math.floor(leaseTtlMs / 3)));
        timer.unref();
      };
      tick();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      await running;
      for (const resolve of waiting) resolve();
      waiting = [];
    },
  };
}

export type LeaseClient = ReturnType<typeof createLeaseClient>;
