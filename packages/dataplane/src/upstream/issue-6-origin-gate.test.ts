import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createOriginGate, OriginGateRejected, type GateClock, type GateSlot, type OriginGateOptions } from './origin-gate.ts';

/** A clock the test moves by hand: timers fire only inside advance(). */
function fakeClock() {
  let now = 0;
  let timers: Array<{ at: number; callback: () => void; cancelled: boolean }> = [];
  const clock: GateClock = {
    now: () => now,
    setTimer(callback, delayMs) {
      const timer = { at: now + delayMs, callback, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
  };
  return {
    clock,
    advance(ms: number) {
      now += ms;
      const due = timers.filter((t) => t.at <= now && !t.cancelled).sort((a, b) => a.at - b.at);
      timers = timers.filter((t) => t.at > now && !t.cancelled);
      for (const t of due) if (!t.cancelled) t.callback();
    },
    pendingTimers: () => timers.filter((t) => !t.cancelled).length,
  };
}

function gate(options: Partial<OriginGateOptions> = {}) {
  const time = fakeClock();
  const admitted: Array<[string, number]> = [];
  const rejected: Array<[string, string]> = [];
  const g = createOriginGate({
    maxInFlightPerOrigin: 2,
    maxInFlightPerOrgPerOrigin: 2,
    maxQueuedPerOrigin: 100,
    queueTimeoutMs: 1_000,
    clock: time.clock,
    observer: { admitted: (o, ms) => admitted.push([o, ms]), rejected: (o, r) => rejected.push([o, r]) },
    ...options,
  });
  return { g, time, admitted, rejected };
}

/** Starts an acquire and records, in `order`, the label of each request as it is admitted. */
function track(g: ReturnType<typeof gate>['g'], origin: string, orgId: string, label: string, order: string[], signal?: AbortSignal) {
  const state: { slot: GateSlot | null; error: unknown } = { slot: null, error: null };
  const promise = g.acquire(origin, orgId, signal).then(
    (slot) => {
      order.push(label);
      state.slot = slot;
    },
    (err: unknown) => {
      state.error = err;
    },
  );
  return Object.assign(state, { promise });
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const O = 'https://api.example.test';

describe('origin gate (issue 6: bounded, fair, visible upstream queue)', () => {
  it('tryAcquire takes a free slot without a promise, and declines exactly when acquire would queue or refuse', async () => {
    const { g, time, admitted } = gate({ maxInFlightPerOrigin: 3, maxInFlightPerOrgPerOrigin: 2 });
    const a1 = g.tryAcquire(O, 'A');
    const a2 = g.tryAcquire(O, 'A');
    expect(a1).not.toBeNull();
    expect(a2).not.toBeNull();
    expect(g.tryAcquire(O, 'A')).toBeNull(); // A's share of the origin is taken
    const order: string[] = [];
    const a3 = track(g, O, 'A', 'a3', order); // waits
    a1!.release();
    await settle();
    expect(order).toEqual(['a3']);
    const b1 = g.tryAcquire(O, 'B');
    expect(b1).not.toBeNull();
    expect(g.tryAcquire(O, 'B')).toBeNull(); // the origin is full
    const a4 = track(g, O, 'A', 'a4', order); // waits: A holds its two
    b1!.release();
    expect(g.tryAcquire(O, 'A')).toBeNull(); // a slot is free, but A is at its share and has a4 waiting
    a2!.release();
    await settle();
    expect(order).toEqual(['a3', 'a4']); // the freed slot went to the waiter
    const aborted = new AbortController();
    aborted.abort(new Error('client gone'));
    expect(g.tryAcquire('https://other.example.test', 'C', aborted.signal)).toBeNull();
    for (const slot of [a3.slot, a4.slot]) slot!.release();
    expect(g.load()).toEqual([{ origin: O, inFlight: 0, queued: 0 }]);
    time.advance(0);
    expect(admitted.filter(([origin]) => origin === O)).toHaveLength(5);
  });

  it('admits at once below the limit and queues beyond it, FIFO within an organisation', async () => {
    const { g, time, admitted } = gate();
    const order: string[] = [];
    const reqs = ['a1', 'a2', 'a3', 'a4', 'a5'].map((label) => track(g, O, 'A', label, order));
    await settle();
    expect(order).toEqual(['a1', 'a2']);
    expect(g.load()).toEqual([{ origin: O, inFlight: 2, queued: 3 }]);
    time.advance(250);
    reqs[1]!.slot!.release();
    await settle();
    expect(order).toEqual(['a1', 'a2', 'a3']);
    reqs[0]!.slot!.release();
    reqs[2]!.slot!.release();
    await settle();
    expect(order).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(admitted.map(([, ms]) => ms)).toEqual([0, 0, 250, 250, 250]);
  });

  it('gives a freed slot to the organisation holding the fewest slots, before a big queue of another', async () => {
    const { g } = gate({ maxInFlightPerOrigin: 4, maxInFlightPerOrgPerOrigin: 4 });
    const order: string[] = [];
    const a = Array.from({ length: 20 }, (_, i) => track(g, O, 'A', `a${i}`, order));
    await settle();
    const b = track(g, O, 'B', 'b0', order);
    await settle();
    expect(order).toEqual(['a0', 'a1', 'a2', 'a3']);
    a[0]!.slot!.release();
    await settle();
    expect(order.at(-1)).toBe('b0');
    a[1]!.slot!.release();
    await settle();
    expect(order.at(-1)).toBe('a4');
    expect(b.slot).not.toBeNull();
  });

  it('alternates round-robin between organisations holding equally many slots', async () => {
    const { g } = gate({ maxInFlightPerOrigin: 2 });
    const order: string[] = [];
    const x = [track(g, O, 'X', 'x0', order), track(g, O, 'X', 'x1', order)];
    const a = ['a1', 'a2', 'a3'].map((l) => track(g, O, 'A', l, order));
    const b = ['b1', 'b2'].map((l) => track(g, O, 'B', l, order));
    await settle();
    x[0]!.slot!.release();
    x[1]!.slot!.release();
    await settle();
    expect(order.slice(2)).toEqual(['a1', 'b1']);
    a[0]!.slot!.release();
    await settle();
    b[0]!.slot!.release();
    await settle();
    expect(order.slice(2)).toEqual(['a1', 'b1', 'a2', 'b2']);
    a[1]!.slot!.release();
    await settle();
    expect(order.slice(2)).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
  });

  it('keeps one organisation under its own cap while others still get slots', async () => {
    const { g } = gate({ maxInFlightPerOrigin: 4, maxInFlightPerOrgPerOrigin: 3 });
    const order: string[] = [];
    const a = ['a1', 'a2', 'a3', 'a4'].map((l) => track(g, O, 'A', l, order));
    await settle();
    expect(order).toEqual(['a1', 'a2', 'a3']);
    expect(g.totals()).toEqual({ inFlight: 3, queued: 1 });
    track(g, O, 'B', 'b1', order);
    await settle();
    expect(order).toEqual(['a1', 'a2', 'a3', 'b1']);
    a[0]!.slot!.release();
    await settle();
    expect(order.at(-1)).toBe('a4');
  });

  it('refuses a request that waited past the queue timeout, and counts it', async () => {
    const { g, time, rejected } = gate({ maxInFlightPerOrigin: 1, queueTimeoutMs: 1_000 });
    const order: string[] = [];
    const first = track(g, O, 'A', 'a1', order);
    const waiting = track(g, O, 'A', 'a2', order);
    await settle();
    time.advance(999);
    await settle();
    expect(waiting.error).toBeNull();
    time.advance(1);
    await settle();
    expect(waiting.error).toBeInstanceOf(OriginGateRejected);
    expect((waiting.error as OriginGateRejected).reason).toBe('timeout');
    expect(rejected).toEqual([[O, 'timeout']]);
    expect(g.totals()).toEqual({ inFlight: 1, queued: 0 });
    first.slot!.release();
    await settle();
    expect(order).toEqual(['a1']);
    expect(g.totals()).toEqual({ inFlight: 0, queued: 0 });
    expect(time.pendingTimers()).toBe(0);
  });

  it('refuses at once when the queue is full, but lets a short queue displace the longest one', async () => {
    const { g, rejected } = gate({ maxInFlightPerOrigin: 1, maxQueuedPerOrigin: 3 });
    const order: string[] = [];
    track(g, O, 'A', 'a0', order);
    const a = ['a1', 'a2', 'a3'].map((l) => track(g, O, 'A', l, order));
    const a4 = track(g, O, 'A', 'a4', order);
    await settle();
    expect((a4.error as OriginGateRejected).reason).toBe('queue_full');
    // B has nothing queued: A's newest waiter makes room for it.
    const b1 = track(g, O, 'B', 'b1', order);
    await settle();
    expect(b1.error).toBeNull();
    expect((a[2]!.error as OriginGateRejected).reason).toBe('queue_full');
    expect(g.totals()).toEqual({ inFlight: 1, queued: 3 });
    // Now A has 2 and B 1 waiting: no queue is two longer than B's, so B's next is refused.
    const b2 = track(g, O, 'B', 'b2', order);
    await settle();
    expect((b2.error as OriginGateRejected).reason).toBe('queue_full');
    expect(rejected.map(([, r]) => r)).toEqual(['queue_full', 'queue_full', 'queue_full']);
  });

  it('refuses at once when queueing is switched off (timeout 0 or queue 0)', async () => {
    for (const options of [{ queueTimeoutMs: 0 }, { maxQueuedPerOrigin: 0 }]) {
      const { g } = gate({ maxInFlightPerOrigin: 1, ...options });
      const order: string[] = [];
      track(g, O, 'A', 'a1', order);
      const second = track(g, O, 'A', 'a2', order);
      await settle();
      expect((second.error as OriginGateRejected).reason).toBe('queue_full');
    }
  });

  it('refuses at once, without queueing, a caller that asked not to wait (it has a fallback)', async () => {
    const { g, rejected } = gate({ maxInFlightPerOrigin: 1 });
    const first = await g.acquire(O, 'A', undefined, false);
    await expect(g.acquire(O, 'B', undefined, false)).rejects.toMatchObject({ reason: 'busy' });
    expect(g.totals()).toEqual({ inFlight: 1, queued: 0 });
    expect(rejected).toEqual([[O, 'busy']]);
    first.release();
    expect(g.totals()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('frees a slot once however often it is released', async () => {
    const { g } = gate({ maxInFlightPerOrigin: 2 });
    const order: string[] = [];
    const reqs = ['a1', 'a2', 'a3', 'a4'].map((l) => track(g, O, 'A', l, order));
    await settle();
    reqs[0]!.slot!.release();
    reqs[0]!.slot!.release();
    reqs[0]!.slot!.release();
    await settle();
    expect(order).toEqual(['a1', 'a2', 'a3']);
    expect(g.totals()).toEqual({ inFlight: 2, queued: 1 });
  });

  it('drops a waiter whose caller gave up, without a timer left behind', async () => {
    const { g, time } = gate({ maxInFlightPerOrigin: 1 });
    const order: string[] = [];
    const first = track(g, O, 'A', 'a1', order);
    const controller = new AbortController();
    const gone = track(g, O, 'A', 'a2', order, controller.signal);
    const next = track(g, O, 'A', 'a3', order);
    await settle();
    controller.abort(new Error('client went away'));
    await settle();
    expect((gone.error as Error).message).toBe('client went away');
    expect(g.totals()).toEqual({ inFlight: 1, queued: 1 });
    first.slot!.release();
    await settle();
    expect(order).toEqual(['a1', 'a3']);
    next.slot!.release();
    expect(g.totals()).toEqual({ inFlight: 0, queued: 0 });
    expect(time.pendingTimers()).toBe(0);
    await expect(g.acquire(O, 'A', controller.signal)).rejects.toThrow('client went away');
  });

  it('keeps origins apart', async () => {
    const { g } = gate({ maxInFlightPerOrigin: 1 });
    const order: string[] = [];
    track(g, O, 'A', 'a1', order);
    track(g, 'http://127.0.0.1:9', 'A', 'other', order);
    await settle();
    expect(order).toEqual(['a1', 'other']);
  });

  it('returns to zero in flight and zero queued after any mix of releases, double releases, aborts and timeouts', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('acquire' as const), org: fc.constantFrom('A', 'B', 'C'), origin: fc.constantFrom('o1', 'o2'), abortable: fc.boolean(), wait: fc.boolean() }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), twice: fc.boolean() }),
      fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 600 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), async (ops, limit, maxQueued) => {
        const { g, time } = gate({ maxInFlightPerOrigin: limit, maxInFlightPerOrgPerOrigin: Math.max(1, limit - 1), maxQueuedPerOrigin: maxQueued, queueTimeoutMs: 1_000 });
        const slots: GateSlot[] = [];
        const controllers: AbortController[] = [];
        const pending: Array<Promise<void>> = [];
        for (const o of ops) {
          if (o.kind === 'acquire') {
            const controller = new AbortController();
            controllers.push(controller);
            pending.push(g.acquire(o.origin, o.org, o.abortable ? controller.signal : undefined, o.wait).then((s) => void slots.push(s), () => undefined));
          } else if (o.kind === 'release' && slots.length > 0) {
            const slot = slots[o.pick % slots.length]!;
            slot.release();
            if (o.twice) slot.release();
          } else if (o.kind === 'abort' && controllers.length > 0) {
            controllers[o.pick % controllers.length]!.abort();
          } else if (o.kind === 'advance') {
            time.advance(o.ms);
          }
          await settle();
          for (const load of g.load()) {
            expect(load.inFlight).toBeLessThanOrEqual(limit);
            expect(load.queued).toBeLessThanOrEqual(maxQueued);
          }
        }
        // Drain: release everything held (and whatever the releases admit) until nothing is left.
        for (let rounds = 0; rounds < 200 && (g.totals().inFlight > 0 || g.totals().queued > 0); rounds++) {
          for (const slot of slots.splice(0)) slot.release();
          await settle();
        }
        await Promise.all(pending);
        expect(g.totals()).toEqual({ inFlight: 0, queued: 0 });
        expect(time.pendingTimers()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
