import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { createEventQueue } from './event-queue.ts';
import type { EventSink } from './event-sink.ts';
import { openEventSpool } from './event-spool.ts';

const logger = pino({ level: 'silent' });

function event(id: string): RequestEvent {
  return testRequestEvent({ request_id: id });
}

/** A sink that is down until `up` is set, and remembers what it received under which batch id. */
function flakySink() {
  const received: Array<{ batchId: string; ids: string[] }> = [];
  const sink: EventSink & { up: boolean } = {
    up: false,
    async write(batchId, events) {
      if (!sink.up) throw new Error('ECONNREFUSED');
      received.push({ batchId, ids: events.map((e) => e.request_id) });
    },
  };
  return { sink, received };
}

describe('event spool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-spool-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('moves batches to disk while the store is down and replays them in order, under the same batch ids', async () => {
    const spool = await openEventSpool({ dir, maxBytes: 1_000_000, logger });
    const { sink, received } = flakySink();
    const queue = createEventQueue({ sink, batchSize: 2, flushIntervalMs: 60_000, maxQueued: 100, logger, spool, spoolAfterFailures: 2, retryBaseMs: 1 });
    for (const id of ['a', 'b', 'c']) queue.push(event(id));
    await queue.flush().catch(() => undefined);
    expect(queue.stats()).toMatchObject({ queued: 0, spooled: 3, spoolBatches: 2, written: 0 });
    const spooledIds = (await readdir(dir)).filter((name) => name.endsWith('.jsonl')).sort().map((name) => name.split('-').slice(3).join('-').slice(0, -'.jsonl'.length));

    sink.up = true;
    queue.push(event('d'));
    await queue.flush();
    expect(received.map((r) => r.ids)).toEqual([['d'], ['a', 'b'], ['c']]);
    expect(received.slice(1).map((r) => r.batchId)).toEqual(spooledIds);
    expect(queue.stats()).toMatchObject({ spoolBatches: 0, replayed: 3, written: 1 });
    expect((await readdir(dir)).filter((name) => name !== '.lock')).toEqual([]);
    await queue.close();
  });

  it('spools and replays whole events when the sink takes JSON lines (the queue kept only those)', async () => {
    const spool = await openEventSpool({ dir, maxBytes: 1_000_000, logger });
    let up = false;
    const viaJson: string[][] = [];
    const viaObjects: RequestEvent[][] = [];
    const sink: EventSink = {
      async write(_batchId, events) {
        viaObjects.push([...events]);
      },
      async writeJsonLines(_batchId, lines) {
        if (!up) throw new Error('ECONNREFUSED');
        viaJson.push(lines.map(String));
      },
    };
    const queue = createEventQueue({ sink, batchSize: 2, flushIntervalMs: 60_000, maxQueued: 100, logger, spool, spoolAfterFailures: 1, retryBaseMs: 1 });
    const sent = ['a', 'b', 'c'].map(event);
    for (const e of sent) queue.push(e);
    await queue.flush().catch(() => undefined);
    expect(queue.stats()).toMatchObject({ queued: 0, spooled: 3, written: 0 });

    up = true;
    const fresh = event('d');
    queue.push(fresh);
    await queue.flush();
    // The fresh batch goes as JSON lines; the spooled ones come back as the full events, parsed from the lines the queue kept.
    expect(viaJson).toEqual([[`${JSON.stringify(fresh)}\n`]]);
    expect(viaObjects).toEqual([sent.slice(0, 2), sent.slice(2)]);
    expect(queue.stats()).toMatchObject({ spoolBatches: 0, replayed: 3, written: 1 });
    await queue.close();
  });

  it('keeps spooled batches across a restart and replays them', async () => {
    const firstSpool = await openEventSpool({ dir, maxBytes: 1_000_000, logger });
    const first = createEventQueue({ sink: flakySink().sink, batchSize: 10, flushIntervalMs: 60_000, maxQueued: 100, logger, spool: firstSpool, spoolAfterFailures: 1, retryBaseMs: 1 });
    first.push(event('before-restart'));
    await first.close();
    // While the first process holds the spool, nobody else may replay it.
    await expect(openEventSpool({ dir, maxBytes: 1_000_000, logger })).rejects.toThrow(/in use by another relay process/);
    await firstSpool.close();

    const { sink, received } = flakySink();
    sink.up = true;
    const second = createEventQueue({ sink, batchSize: 10, flushIntervalMs: 10, maxQueued: 100, logger, spool: await openEventSpool({ dir, maxBytes: 1_000_000, logger }) });
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received.map((r) => r.ids)).toEqual([['before-restart']]);
    await second.close();
  });

  it('moves a corrupt spool file aside instead of blocking the replay', async () => {
    await writeFile(join(dir, '000000000000001-000000000-bad.jsonl'), '{not json\n');
    const spool = await openEventSpool({ dir, maxBytes: 1_000_000, logger });
    expect(await spool.oldest()).toBeNull();
    expect((await readdir(dir)).filter((name) => name !== '.lock')).toEqual(['000000000000001-000000000-bad.jsonl.bad']);
  });

  /** A sink that answers only when let go, holding each batch until then, and remembers every id it took. */
  function gatedSink() {
    const taken: string[] = [];
    let open = false;
    let release: () => void = () => undefined;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const sink: EventSink = {
      async write(_batchId, events) {
        if (!open) await gate;
        taken.push(...events.map((e) => e.request_id));
      },
    };
    return {
      sink,
      taken,
      open() {
        open = true;
        release();
      },
    };
  }

  it('moves a full queue\'s newest batch to the spool while the store is slow, and loses nothing', async () => {
    const spool = await openEventSpool({ dir, maxBytes: 10_000_000, logger });
    const store = gatedSink();
    const queue = createEventQueue({ sink: store.sink, batchSize: 100, flushIntervalMs: 60_000, maxQueued: 300, logger, spool });
    const ids = Array.from({ length: 500 }, (_, i) => `r${i}`);
    let next = 0;
    const push = (count: number) => {
      for (const end = next + count; next < end; next++) queue.push(event(ids[next]!));
    };
    // The first batch goes to the store (and waits there); the queue fills to its bound.
    push(300);
    expect(queue.stats()).toMatchObject({ queued: 300, dropped: 0 });
    // One more: the newest waiting batch (100 events, not the one being sent) moves to disk.
    push(1);
    expect(queue.stats()).toMatchObject({ queued: 201, dropped: 0 });
    await vi.waitFor(() => expect(queue.stats()).toMatchObject({ spooled: 100, spoolBatches: 1 }), { timeout: 30_000 });
    push(99);
    push(1);
    await vi.waitFor(() => expect(queue.stats()).toMatchObject({ spooled: 200, spoolBatches: 2 }), { timeout: 30_000 });
    push(ids.length - next);
    expect(queue.stats().dropped).toBe(0);

    store.open();
    await queue.flush();
    expect(queue.stats()).toMatchObject({ dropped: 0, queued: 0, spoolBatches: 0, replayed: 200, written: 300 });
    expect([...store.taken].sort()).toEqual([...ids].sort());
    await queue.close();
  });

  it('drops and counts the overflow when the spool cannot take it', async () => {
    const spool = await openEventSpool({ dir, maxBytes: 1_000, logger });
    const store = gatedSink();
    const queue = createEventQueue({ sink: store.sink, batchSize: 10, flushIntervalMs: 60_000, maxQueued: 30, logger, spool });
    for (let i = 0; i < 31; i++) queue.push(event(`d${i}`));
    await vi.waitFor(() => expect(queue.stats().dropped).toBe(10), { timeout: 30_000 });
    store.open();
    await queue.flush();
    expect(queue.stats()).toMatchObject({ written: 21, spooled: 0, dropped: 10 });
    await queue.close();
  });

  it('refuses batches beyond its size bound, so the disk cannot fill up', async () => {
    const spool = await openEventSpool({ dir, maxBytes: 1_500, logger });
    expect(await spool.put({ batchId: 'one', events: [event('a'), event('b')] })).toBe(true);
    expect(await spool.put({ batchId: 'two', events: [event('c'), event('d')] })).toBe(false);
    expect(spool.usage().batches).toBe(1);
  });
});
