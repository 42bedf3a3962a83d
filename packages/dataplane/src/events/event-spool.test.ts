import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

  it('refuses batches beyond its size bound, so the disk cannot fill up', async () => {
    const spool = await openEventSpool({ dir, maxBytes: 1_500, logger });
    expect(await spool.put({ batchId: 'one', events: [event('a'), event('b')] })).toBe(true);
    expect(await spool.put({ batchId: 'two', events: [event('c'), event('d')] })).toBe(false);
    expect(spool.usage().batches).toBe(1);
  });
});
