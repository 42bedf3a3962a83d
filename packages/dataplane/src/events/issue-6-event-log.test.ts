import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { createDiskErrors } from './disk-errors.ts';
import { openEventLog } from './event-log.ts';
import { createEventQueue } from './event-queue.ts';
import { PermanentEventError, type EventSink } from './event-sink.ts';
import { openEventSpool } from './event-spool.ts';

const logger = pino({ level: 'silent' });

/** A sink that records what it got; `hang` keeps every write pending (a store that never answers). */
function recordingSink(options: { hang?: boolean; refuse?: (events: readonly RequestEvent[]) => boolean } = {}) {
  const received: Array<{ batchId: string; ids: string[] }> = [];
  const sink: EventSink = {
    async write(batchId, events) {
      if (options.hang) return new Promise(() => {});
      if (options.refuse?.(events)) throw new PermanentEventError('invalid event at index 0: status_code: 70000 is outside 0..65535');
      received.push({ batchId, ids: events.map((e) => e.request_id) });
    },
  };
  return { sink, received };
}

/** What kill -9 leaves: files as they are, and a lock whose holder is gone. */
async function simulateKill(dir: string): Promise<void> {
  await rm(join(dir, 'event-log', '.lock'), { force: true });
  await rm(join(dir, 'event-spool', '.lock'), { force: true });
}

describe('issue 6: request events survive a crash through the event log', () => {
  let dir: string;
  /** What the log's segments hold now, read synchronously: an await would let the event loop turn, and a write happen. */
  const segmentText = () =>
    readdirSync(join(dir, 'event-log'))
      .filter((name) => name.endsWith('.events'))
      .map((name) => readFileSync(join(dir, 'event-log', name), 'utf8'))
      .join('');
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-event-log-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const openLog = (segmentMaxBytes?: number) =>
    openEventLog({ dir: join(dir, 'event-log'), fsyncIntervalMs: 100, diskErrors: createDiskErrors(logger), logger, ...(segmentMaxBytes ? { segmentMaxBytes } : {}) });

  it('replays events a killed process had queued but never delivered, under log-derived batch ids', async () => {
    const log = await openLog();
    const queue = createEventQueue({ sink: recordingSink({ hang: true }).sink, batchSize: 2, flushIntervalMs: 60_000, maxQueued: 100, logger, log });
    const ids = ['a', 'b', 'c'].map((id) => `req_${id}`);
    for (const id of ids) queue.push(testRequestEvent({ request_id: id }));
    expect(queue.stats()).toMatchObject({ queued: 3, logPending: 3 });
    await simulateKill(dir); // no close(): the process is gone

    const restarted = await openLog();
    const { sink, received } = recordingSink();
    const second = createEventQueue({ sink, batchSize: 2, flushIntervalMs: 60_000, maxQueued: 100, logger, log: restarted });
    expect(second.stats()).toMatchObject({ queued: 3, logPending: 3 });
    await second.flush();
    expect(received.flatMap((r) => r.ids)).toEqual(ids);
    // The log's id survives the restart, so a replayed stretch keeps its batch id.
    expect(restarted.id).toBe(log.id);
    expect(received[0]!.batchId).toMatch(new RegExp(`^log-${log.id}-\\d+-\\d+-\\d+-\\d+$`));
    expect(second.stats().logPending).toBe(0);
    await second.close();
    await restarted.close();

    // Acknowledged: a third start replays nothing.
    const third = await openLog();
    expect(third.takeReplay()).toEqual([]);
    await third.close();
  });

  it("writes a turn's first event at once and the turn's others together at its end, and says when they are in the file", async () => {
    const log = await openLog();
    const lines = ['a', 'b', 'c'].map((id) => Buffer.from(`${JSON.stringify(testRequestEvent({ request_id: `req_${id}` }))}\n`));
    const text = (count: number) => lines.slice(0, count).map((line) => line.toString('utf8')).join('');
    const first = log.append(lines[0]!);
    expect(first?.offset).toBe(lines[0]!.length);
    // A lone request's event is in the file when append returns: its answer waits for nothing.
    expect(segmentText()).toBe(text(1));
    let ranAtOnce = false;
    log.whenWritten(() => (ranAtOnce = true));
    expect(ranAtOnce).toBe(true);

    const later = [log.append(lines[1]!), log.append(lines[2]!)];
    expect(later.map((p) => p?.offset)).toEqual([text(2).length, text(3).length]);
    // The turn's later events are not written yet; what waits for them runs once they are.
    expect(segmentText()).toBe(text(1));
    const seen = await new Promise<string>((resolve) => log.whenWritten(() => resolve(segmentText())));
    expect(seen).toBe(text(3));
    await log.close();
  });

  it("under load (the last turn had several events) a turn's first event waits for the turn's end too; after a quiet turn it is written at once again", async () => {
    const log = await openLog();
    const lines = new Map(['a', 'b', 'c', 'd', 'e'].map((id) => [id, Buffer.from(`${JSON.stringify(testRequestEvent({ request_id: `req_${id}` }))}\n`)]));
    const line = (id: string) => lines.get(id)!;
    const turnEnd = () => new Promise<void>((resolve) => log.whenWritten(resolve));
    // A busy turn: several requests finished in it.
    for (const id of ['a', 'b', 'c']) log.append(line(id));
    await turnEnd();
    const busyTurn = segmentText();
    expect(busyTurn).toBe(['a', 'b', 'c'].map((id) => line(id).toString('utf8')).join(''));

    // The next turn's first event is held for the turn's end, and so is what waits for it.
    log.append(line('d'));
    expect(segmentText()).toBe(busyTurn);
    let ranAtOnce = false;
    log.whenWritten(() => (ranAtOnce = true));
    expect(ranAtOnce).toBe(false);
    await turnEnd();
    expect(ranAtOnce).toBe(true);
    expect(segmentText()).toBe(busyTurn + line('d').toString('utf8'));

    // That turn had one event: the next one's first is in the file when append returns.
    log.append(line('e'));
    expect(segmentText()).toBe(busyTurn + line('d').toString('utf8') + line('e').toString('utf8'));
    await log.close();
  });

  it('deletes segments once acknowledged and keeps only what follows the checkpoint', async () => {
    const log = await openLog(2_000);
    const { sink, received } = recordingSink();
    const queue = createEventQueue({ sink, batchSize: 5, flushIntervalMs: 60_000, maxQueued: 1_000, logger, log });
    for (let i = 0; i < 40; i++) queue.push(testRequestEvent({ request_id: `req_${i}` }));
    await queue.flush();
    expect(received.flatMap((r) => r.ids)).toHaveLength(40);
    await queue.close();
    await log.close();
    const segments = (await readdir(join(dir, 'event-log'))).filter((name) => name.endsWith('.events'));
    expect(segments.length).toBeLessThanOrEqual(2);
    expect(JSON.parse(await readFile(join(dir, 'event-log', 'checkpoint.json'), 'utf8'))).toMatchObject({ segment: expect.any(Number), offset: expect.any(Number) });
    const reopened = await openLog(2_000);
    expect(reopened.takeReplay()).toEqual([]);
    await reopened.close();
  });

  it('moves a poison batch aside to rejected/ and goes on with the next batch', async () => {
    const log = await openLog();
    const spool = await openEventSpool({ dir: join(dir, 'event-spool'), maxBytes: 1_000_000, logger });
    const { sink, received } = recordingSink({ refuse: (events) => events.some((e) => e.request_id === 'req_poison') });
    const queue = createEventQueue({ sink, batchSize: 1, flushIntervalMs: 60_000, maxQueued: 100, logger, log, spool });
    for (const id of ['req_poison', 'req_good']) queue.push(testRequestEvent({ request_id: id }));
    await queue.flush();
    expect(received.map((r) => r.ids)).toEqual([['req_good']]);
    expect(queue.stats()).toMatchObject({ rejectedEvents: 1, rejectedBatches: 1, logPending: 0, spoolEvents: 0 });
    const rejected = await readdir(join(dir, 'event-spool', 'rejected'));
    expect(rejected.filter((n) => n.endsWith('.jsonl'))).toHaveLength(1);
    const reason = await readFile(join(dir, 'event-spool', 'rejected', rejected.find((n) => n.endsWith('.reason'))!), 'utf8');
    expect(reason).toContain('status_code');
    await queue.close();
    await spool.close();
    await log.close();
  });

  it('reports spooled events in events, also after a restart (healthz said 0 with 269 on disk)', async () => {
    const down: EventSink = { write: async () => Promise.reject(new Error('ECONNREFUSED')) };
    const spool = await openEventSpool({ dir: join(dir, 'event-spool'), maxBytes: 1_000_000, logger });
    const queue = createEventQueue({ sink: down, batchSize: 2, flushIntervalMs: 60_000, maxQueued: 100, logger, spool, spoolAfterFailures: 1, retryBaseMs: 1 });
    for (let i = 0; i < 5; i++) queue.push(testRequestEvent());
    await queue.flush().catch(() => undefined);
    expect(queue.stats()).toMatchObject({ queued: 0, spoolEvents: 5, spoolBatches: 3 });
    await queue.close();
    await spool.close();

    const again = await openEventSpool({ dir: join(dir, 'event-spool'), maxBytes: 1_000_000, logger });
    const restarted = createEventQueue({ sink: down, batchSize: 2, flushIntervalMs: 60_000, maxQueued: 100, logger, spool: again });
    expect(restarted.stats()).toMatchObject({ spoolEvents: 5, spoolBatches: 3 });
    expect(restarted.stats().spoolBytes).toBeGreaterThan(0);
    await again.close();
  });
});
