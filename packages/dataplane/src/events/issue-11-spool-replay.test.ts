import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { createEventQueue, type EventQueue } from './event-queue.ts';
import type { EventSink } from './event-sink.ts';
import { openEventSpool, type EventSpool } from './event-spool.ts';

const logger = pino({ level: 'silent' });
const SPOOLED_BATCHES = 8;
/** Round trips the steady load lasts: far more than the backlog needs (2 rounds of 4 after 2 fresh batches). */
const LOAD_WRITES = 200;

/**
 * Issue 11: after an outage of the store (the control plane restarted), the spooled backlog
 * drains fast: several batches per round trip, and under steady load too (before, one batch
 * per round trip, and only once the in-memory queue ran empty: a busy data plane never replayed).
 */
describe('spool replay after an outage', () => {
  let dir: string;
  let spool: EventSpool;
  let queue: EventQueue | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-replay-'));
    spool = await openEventSpool({ dir, maxBytes: 10_000_000, logger });
    for (let i = 0; i < SPOOLED_BATCHES; i++) await spool.put({ batchId: `spooled-${i}`, events: [testRequestEvent({ request_id: `old-${i}` })] });
  });
  afterEach(async () => {
    await queue?.close();
    await spool.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('replays the backlog while fresh events keep coming', async () => {
    let writes = 0;
    const replayed: string[] = [];
    const sink: EventSink = {
      async write(batchId) {
        writes++;
        if (batchId.startsWith('spooled-')) replayed.push(batchId);
        await new Promise((resolve) => setImmediate(resolve));
        // Steady load (for LOAD_WRITES round trips): during each, a request ends and its event joins the queue.
        if (writes < LOAD_WRITES) queue!.push(testRequestEvent({ request_id: `fresh-${writes}` }));
      },
    };
    queue = createEventQueue({ sink, batchSize: 1, flushIntervalMs: 60_000, maxQueued: 1_000, logger, spool });
    queue.push(testRequestEvent({ request_id: 'fresh-0' }));
    const draining = queue.flush();
    while (spool.usage().batches > 0 && writes < LOAD_WRITES) await new Promise((resolve) => setTimeout(resolve, 1));
    const underLoad = { spooledLeft: spool.usage().batches, loadStillOn: writes < LOAD_WRITES };
    await draining;
    expect(underLoad).toEqual({ spooledLeft: 0, loadStillOn: true });
    expect(replayed).toEqual(Array.from({ length: SPOOLED_BATCHES }, (_, i) => `spooled-${i}`));
  });

  it('sends several spooled batches per round trip, each under its own id', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const received: string[] = [];
    const sink: EventSink = {
      async write(batchId) {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        received.push(batchId);
        inFlight--;
      },
    };
    queue = createEventQueue({ sink, batchSize: 10, flushIntervalMs: 60_000, maxQueued: 100, logger, spool });
    await queue.flush();
    expect(received.sort()).toEqual(Array.from({ length: SPOOLED_BATCHES }, (_, i) => `spooled-${i}`));
    expect(mostInFlight).toBeGreaterThan(1);
    expect(queue.stats()).toMatchObject({ spoolBatches: 0, replayed: SPOOLED_BATCHES });
  });
});
