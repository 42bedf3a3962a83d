import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { createEventQueue } from './event-queue.ts';
import type { EventSink } from './event-sink.ts';

const logger = pino({ level: 'silent' });
const event = (id: string) => ({ request_id: id }) as unknown as RequestEvent;

describe('event queue', () => {
  it('sends full batches at once and the rest on flush, in order', async () => {
    const batches: string[][] = [];
    const sink: EventSink = { write: async (_id, events) => void batches.push(events.map((e) => e.request_id)) };
    const queue = createEventQueue({ sink, batchSize: 2, flushIntervalMs: 60_000, maxQueued: 100, logger });
    for (const id of ['a', 'b', 'c']) queue.push(event(id));
    await queue.flush();
    expect(batches).toEqual([['a', 'b'], ['c']]);
    expect(queue.stats()).toMatchObject({ written: 3, queued: 0, dropped: 0 });
    await queue.close();
  });

  describe('under steady load', () => {
    afterEach(() => void vi.useRealTimers());

    /** A sink whose sends finish only when the test says so, and the batches it was sent. */
    function heldSink() {
      const batches: string[][] = [];
      const pending: Array<() => void> = [];
      const sink: EventSink = { write: (_id, events) => new Promise<void>((resolve) => void (batches.push(events.map((e) => e.request_id)), pending.push(resolve))) };
      return { sink, batches, finishSend: () => pending.shift()!() };
    }

    it('keeps what arrives during a send for the next tick, so batches grow with the load instead of shrinking to one send each', async () => {
      vi.useFakeTimers();
      const { sink, batches, finishSend } = heldSink();
      const queue = createEventQueue({ sink, batchSize: 100, flushIntervalMs: 1_000, maxQueued: 1_000, logger });
      queue.push(event('a'));
      await vi.advanceTimersByTimeAsync(1_000);
      expect(batches).toEqual([['a']]);
      // The insert takes a while; requests keep ending meanwhile.
      for (const id of ['b', 'c', 'd']) queue.push(event(id));
      finishSend();
      await vi.advanceTimersByTimeAsync(999);
      expect(batches).toEqual([['a']]);
      for (const id of ['e', 'f']) queue.push(event(id));
      await vi.advanceTimersByTimeAsync(1);
      expect(batches).toEqual([['a'], ['b', 'c', 'd', 'e', 'f']]);
      finishSend();
      await queue.close();
    });

    it('sends a whole batch that waits at once, without waiting for the tick', async () => {
      vi.useFakeTimers();
      const { sink, batches, finishSend } = heldSink();
      const queue = createEventQueue({ sink, batchSize: 2, flushIntervalMs: 60_000, maxQueued: 1_000, logger });
      for (const id of ['a', 'b']) queue.push(event(id));
      expect(batches).toEqual([['a', 'b']]);
      for (const id of ['c', 'd', 'e']) queue.push(event(id));
      finishSend();
      await vi.advanceTimersByTimeAsync(0);
      expect(batches).toEqual([['a', 'b'], ['c', 'd']]);
      finishSend();
      await vi.advanceTimersByTimeAsync(0);
      expect(batches).toHaveLength(2);
      // flush() sends the rest at once, also behind a send in flight.
      const flushed = queue.flush();
      await vi.advanceTimersByTimeAsync(0);
      expect(batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
      finishSend();
      await flushed;
      expect(queue.stats()).toMatchObject({ written: 5, queued: 0 });
      await queue.close();
    });
  });

  it('retries a failed batch with the same batch id, so the store can deduplicate it', async () => {
    const ids: string[] = [];
    let failures = 2;
    const sink: EventSink = {
      async write(batchId) {
        ids.push(batchId);
        if (failures-- > 0) throw new Error('ClickHouse unavailable');
      },
    };
    const queue = createEventQueue({ sink, batchSize: 10, flushIntervalMs: 60_000, maxQueued: 100, logger, retryBaseMs: 1 });
    queue.push(event('a'));
    await queue.flush();
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect(queue.stats()).toMatchObject({ written: 1, failedWrites: 2 });
    await queue.close();
  });

  it('drops and counts events beyond its bound instead of growing without limit', async () => {
    const sink: EventSink = { write: () => new Promise(() => {}) };
    const queue = createEventQueue({ sink, batchSize: 1_000, flushIntervalMs: 60_000, maxQueued: 3, logger });
    for (let i = 0; i < 5; i++) queue.push(event(String(i)));
    expect(queue.stats()).toMatchObject({ queued: 3, dropped: 2 });
  });

  it('writes what is left when closed', async () => {
    const written: string[] = [];
    const sink: EventSink = { write: async (_id, events) => void written.push(...events.map((e) => e.request_id)) };
    const queue = createEventQueue({ sink, batchSize: 100, flushIntervalMs: 60_000, maxQueued: 100, logger });
    queue.push(event('last'));
    await queue.close();
    expect(written).toEqual(['last']);
  });

  it('hands a sink that takes JSON lines the events as lines only, and the objects to a sink that reads them', async () => {
    const events = ['a', 'b', 'c'].map((id) => ({ request_id: id, cost_micros: 7, model: 'gpt-4o-mini' }) as unknown as RequestEvent);
    const texts: string[][] = [];
    const jsonSink: EventSink = {
      write: async () => expect.unreachable('write(): the sink takes JSON lines'),
      writeJsonLines: async (_id, lines) => void texts.push(lines.map(String)),
    };
    const jsonQueue = createEventQueue({ sink: jsonSink, batchSize: 10, flushIntervalMs: 60_000, maxQueued: 100, logger });
    for (const e of events) jsonQueue.push(e);
    await jsonQueue.flush();
    expect(texts).toEqual([events.map((e) => `${JSON.stringify(e)}\n`)]);
    await jsonQueue.close();

    const objects: RequestEvent[] = [];
    const objectSink: EventSink = { write: async (_id, batch) => void objects.push(...batch) };
    const objectQueue = createEventQueue({ sink: objectSink, batchSize: 10, flushIntervalMs: 60_000, maxQueued: 100, logger });
    for (const e of events) objectQueue.push(e);
    await objectQueue.flush();
    expect(objects).toEqual(events);
    await objectQueue.close();
  });
});
