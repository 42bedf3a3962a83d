import type { AbortSignalLike } from '../routing/attempt-abort.ts';

/**
 * Admission to upstream origins: at most `maxInFlightPerOrigin` exchanges (headers and the whole
 * body or stream) run against one origin at a time, and at most `maxInFlightPerOrgPerOrigin` of
 * them for one organisation. A request that finds no free slot waits in a queue that is bounded
 * in length and in time; past either bound it is refused, so nothing waits silently and without
 * end (issue 6: with undici's own pool capped at 256, stream 257 waited up to 702 s, unseen).
 *
 * Fairness: waiting requests are kept per organisation, FIFO within each. A freed slot goes to
 * the waiting organisation that holds the fewest slots at that origin; ties go round-robin (the
 * organisation served longest ago first). So one organisation's 2,000 queued streams cannot hold
 * another's single request behind them. When the queue is full, a newcomer from an organisation
 * with a shorter queue displaces the newest waiter of the longest queue (longest-queue-drop),
 * so a flood from one organisation cannot lock others out of the queue either.
 *
 * The gate knows nothing of HTTP: callers name an origin and an organisation, hold the returned
 * slot for the whole exchange and release it once (a second release does nothing).
 */

/** A held slot. `release` is idempotent: only the first call frees the slot. */
export interface GateSlot {
  release(): void;
}

/**
 * Why a request was refused: it waited too long, the queue was full, or it was not allowed to
 * wait (`busy`: the caller has a fallback to try instead of queueing).
 */
export type GateRejectReason = 'timeout' | 'queue_full' | 'busy';

/** Thrown (as a rejection of `acquire`) when a request cannot get a slot in time or cannot queue. */
export class OriginGateRejected extends Error {
  override readonly name = 'OriginGateRejected';
  constructor(readonly reason: GateRejectReason) {
    super(reason === 'timeout' ? 'No upstream slot became free in time' : reason === 'busy' ? 'No upstream slot is free' : 'The upstream queue is full');
  }
}

/** Time source and timers, injected so tests advance time instead of sleeping. */
export interface GateClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Calls `callback` after `delayMs`; returns a function that cancels it. */
  setTimer(callback: () => void, delayMs: number): () => void;
}

/** The process clock: performance.now() and unref'd timers (a queued request keeps nothing alive). */
export const systemGateClock: GateClock = {
  now: () => performance.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Hooks for metrics: called on every admission and every refusal. */
export interface GateObserver {
  admitted(origin: string, waitedMs: number): void;
  rejected(origin: string, reason: GateRejectReason): void;
}

export interface OriginGateOptions {
  maxInFlightPerOrigin: number;
  /** At most `maxInFlightPerOrigin`; lower keeps room at a busy origin for other organisations. */
  maxInFlightPerOrgPerOrigin: number;
  /** Waiting requests per origin (all organisations together); 0 refuses at once when full. */
  maxQueuedPerOrigin: number;
  /** How long a request may wait for a slot; 0 refuses at once when full. */
  queueTimeoutMs: number;
  clock?: GateClock;
  observer?: GateObserver;
}

/** One origin's load, for /metrics and /healthz. */
export interface OriginLoad {
  readonly origin: string;
  readonly inFlight: number;
  readonly queued: number;
}

export interface OriginGate {
  /**
   * Resolves with a slot at `origin` for `orgId`, at once when one is free, else after waiting
   * in the queue. Rejects with {@link OriginGateRejected} when the wait times out or the queue is
   * full (or at once, with `wait: false`, when no slot is free), and with `signal.reason` when the
   * caller gives up while waiting.
   */
  acquire(origin: string, orgId: string, signal?: AbortSignalLike, wait?: boolean): Promise<GateSlot>;
  /**
   * A free slot at once, or null (none free, this organisation has requests waiting, or the
   * caller gave up): the common case of {@link acquire} without a promise, on every upstream call.
   */
  tryAcquire(origin: string, orgId: string, signal?: AbortSignalLike): GateSlot | null;
  /** Every origin seen so far (origins come from the config snapshot, so this stays small). */
  load(): OriginLoad[];
  /** Sums over all origins. */
  totals(): { inFlight: number; queued: number };
}

/** A waiting request, linked into its organisation's queue (O(1) removal on abort or timeout). */
interface Waiter {
  readonly orgId: string;
  readonly enqueuedAt: number;
  readonly resolve: (slot: GateSlot) => void;
  readonly reject: (reason: unknown) => void;
  cancelTimer: () => void;
  detachAbort: () => void;
  prev: Waiter | null;
  next: Waiter | null;
}

/** One organisation's FIFO of waiters at one origin (a doubly linked list). */
class OrgQueue {
  head: Waiter | null = null;
  tail: Waiter | null = null;
  length = 0;

  push(w: Waiter): void {
    w.prev = this.tail;
    w.next = null;
    if (this.tail === null) this.head = w;
    else this.tail.next = w;
    this.tail = w;
    this.length++;
  }

  remove(w: Waiter): void {
    if (w.prev === null) this.head = w.next;
    else w.prev.next = w.next;
    if (w.next === null) this.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = null;
    w.next = null;
    this.length--;
  }
}

interface OriginState {
  readonly origin: string;
  inFlight: number;
  queued: number;
  readonly inFlightByOrg: Map<string, number>;
  /** Organisations with waiters; Map order is the round-robin order (served → moved to the back). */
  readonly waiting: Map<string, OrgQueue>;
}

/** Creates a gate; one per data plane process, shared by every upstream call. */
export function createOriginGate(options: OriginGateOptions): OriginGate {
  const clock = options.clock ?? systemGateClock;
  const observer = options.observer;
  const limit = options.maxInFlightPerOrigin;
  const orgLimit = Math.min(options.maxInFlightPerOrgPerOrigin, limit);
  const states = new Map<string, OriginState>();

  function stateFor(origin: string): OriginState {
    let state = states.get(origin);
    if (state === undefined) {
      state = { origin, inFlight: 0, queued: 0, inFlightByOrg: new Map(), waiting: new Map() };
      states.set(origin, state);
    }
    return state;
  }

  /** A free slot is taken at once unless this organisation already has requests waiting (FIFO). */
  function isFree(state: OriginState, orgId: string): boolean {
    return state.inFlight < limit && (state.inFlightByOrg.get(orgId) ?? 0) < orgLimit && !state.waiting.has(orgId);
  }

  function take(state: OriginState, orgId: string, waitedMs: number): GateSlot {
    state.inFlight++;
    state.inFlightByOrg.set(orgId, (state.inFlightByOrg.get(orgId) ?? 0) + 1);
    observer?.admitted(state.origin, waitedMs);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        state.inFlight--;
        const held = state.inFlightByOrg.get(orgId)! - 1;
        if (held === 0) state.inFlightByOrg.delete(orgId);
        else state.inFlightByOrg.set(orgId, held);
        admitWaiters(state);
      },
    };
  }

  /** Hands free slots to waiters: fewest slots held first, round-robin among equals. */
  function admitWaiters(state: OriginState): void {
    while (state.inFlight < limit && state.waiting.size > 0) {
      let chosen: string | null = null;
      let chosenHeld = Infinity;
      for (const orgId of state.waiting.keys()) {
        const held = state.inFlightByOrg.get(orgId) ?? 0;
        if (held < orgLimit && held < chosenHeld) {
          chosen = orgId;
          chosenHeld = held;
        }
      }
      if (chosen === null) return; // Every waiting organisation is at its own cap.
      const queue = state.waiting.get(chosen)!;
      const waiter = queue.head!;
      unlink(state, queue, waiter);
      // Served: to the back of the round-robin order (unlink dropped it if its queue emptied).
      if (queue.length > 0) {
        state.waiting.delete(chosen);
        state.waiting.set(chosen, queue);
      }
      waiter.resolve(take(state, chosen, clock.now() - waiter.enqueuedAt));
    }
  }

  function unlink(state: OriginState, queue: OrgQueue, waiter: Waiter): void {
    queue.remove(waiter);
    state.queued--;
    if (queue.length === 0) state.waiting.delete(waiter.orgId);
    waiter.cancelTimer();
    waiter.detachAbort();
  }

  function refuse(state: OriginState, waiter: Waiter, reason: GateRejectReason): void {
    unlink(state, state.waiting.get(waiter.orgId)!, waiter);
    observer?.rejected(state.origin, reason);
    waiter.reject(new OriginGateRejected(reason));
  }

  /**
   * The queue is full: frees a place for `orgId` by refusing the newest waiter of the longest
   * queue, if that queue is at least two longer than `orgId`'s own. Returns false otherwise.
   */
  function displaceForFairness(state: OriginState, orgId: string): boolean {
    const own = state.waiting.get(orgId)?.length ?? 0;
    let longest: OrgQueue | null = null;
    for (const queue of state.waiting.values()) if (longest === null || queue.length > longest.length) longest = queue;
    if (longest === null || longest.length < own + 2) return false;
    refuse(state, longest.tail!, 'queue_full');
    return true;
  }

  return {
    tryAcquire(origin, orgId, signal) {
      if (signal?.aborted) return null;
      const state = stateFor(origin);
      return isFree(state, orgId) ? take(state, orgId, 0) : null;
    },
    acquire(origin, orgId, signal, wait = true) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const state = stateFor(origin);
      if (isFree(state, orgId)) return Promise.resolve(take(state, orgId, 0));
      if (!wait) {
        observer?.rejected(origin, 'busy');
        return Promise.reject(new OriginGateRejected('busy'));
      }
      const full = options.queueTimeoutMs === 0 || options.maxQueuedPerOrigin === 0 || (state.queued >= options.maxQueuedPerOrigin && !displaceForFairness(state, orgId));
      if (full) {
        observer?.rejected(origin, 'queue_full');
        return Promise.reject(new OriginGateRejected('queue_full'));
      }
      return new Promise<GateSlot>((resolve, reject) => {
        const waiter: Waiter = { orgId, enqueuedAt: clock.now(), resolve, reject, cancelTimer: noop, detachAbort: noop, prev: null, next: null };
        let queue = state.waiting.get(orgId);
        if (queue === undefined) {
          queue = new OrgQueue();
          state.waiting.set(orgId, queue);
        }
        queue.push(waiter);
        state.queued++;
        waiter.cancelTimer = clock.setTimer(() => refuse(state, waiter, 'timeout'), options.queueTimeoutMs);
        if (signal !== undefined) {
          const onAbort = () => {
            unlink(state, state.waiting.get(orgId)!, waiter);
            reject(signal.reason);
          };
          signal.addEventListener('abort', onAbort, { once: true });
          waiter.detachAbort = () => signal.removeEventListener('abort', onAbort);
        }
      });
    },
    load: () => [...states.values()].map((s) => ({ origin: s.origin, inFlight: s.inFlight, queued: s.queued })),
    totals() {
      let inFlight = 0;
      let queued = 0;
      for (const s of states.values()) {
        inFlight += s.inFlight;
        queued += s.queued;
      }
      return { inFlight, queued };
    },
  };
}

function noop(): void {}
