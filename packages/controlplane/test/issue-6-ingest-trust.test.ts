import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlplaneSink } from '@proxystacks/dataplane/events/controlplane-sink';
import { createEventQueue } from '@proxystacks/dataplane/events/event-queue';
import { PermanentEventError } from '@proxystacks/dataplane/events/event-sink';
import { openEventSpool } from '@proxystacks/dataplane/events/event-spool';
import { REQUEST_EVENT_COLUMNS } from '@proxystacks/shared/events/request-events-ddl';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { createClickHouse, migrateClickHouse, type ClickHouse } from '../src/analytics/clickhouse.ts';
import type { SnapshotPublisher } from '../src/domain/snapshot-publisher.ts';
import { createBatchIdMemory } from '../src/internal/batch-id-memory.ts';
import { handleInternal } from '../src/internal/internal-api.ts';

const logger = pino({ level: 'silent' });
const TOKEN = 'issue-6-ingest-token-0123456789abcdef';

/**
 * Issue 6, item 8: the ingest trusted too much. Out-of-range values were wrapped by ClickHouse,
 * a permanent insert error was answered 503 "retry" (a poison batch blocked the spool forever),
 * a reused batch id with other events was acknowledged and dropped, and an oversized batch got
 * a connection reset instead of 413. The ingest runs here over real HTTP on loopback in front
 * of a real chDB; the sender side is the data plane's real control plane sink and queue.
 */
describe('issue 6: the event ingest validates, classifies and answers what it means', () => {
  let dir: string;
  let ch: ClickHouse;
  let server: Server;
  let url: string;
  /** Which database the next ingest writes to: `relay`, or the broken ones below. */
  let database = 'relay';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-ingest-'));
    ch = await createClickHouse({ url: null, chdbPath: join(dir, 'chdb'), database: 'relay' });
    await migrateClickHouse(ch, { info: () => undefined });
    // A table whose request_id column cannot take the events' strings: a permanent insert error.
    await ch.client.command({ query: 'CREATE DATABASE IF NOT EXISTS broken' });
    const columns = REQUEST_EVENT_COLUMNS.map((c) => `${c.name} ${c.name === 'request_id' ? 'UInt64' : c.type}`).join(', ');
    await ch.client.command({ query: `CREATE TABLE broken.request_events (${columns}) ENGINE = MergeTree ORDER BY tuple()` });
    // A database without the table (a migration not yet run): transient.
    await ch.client.command({ query: 'CREATE DATABASE IF NOT EXISTS unmigrated' });
    const batches = createBatchIdMemory();
    // The control plane's real internal API handler; the snapshot publisher is not used on this path.
    const publisher = {} as SnapshotPublisher;
    server = createServer((req, res) => {
      handleInternal(req, res, new URL(req.url ?? '/', 'http://x').pathname, { internalToken: TOKEN, publisher, clickhouse: { ...ch, database }, batches, logger }).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await ch?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (body: unknown) =>
    fetch(`${url}/internal/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  async function stored(alias: string): Promise<number> {
    const result = await ch.client.query({ query: `SELECT count() AS n FROM relay.request_events FINAL WHERE alias = {alias:String}`, query_params: { alias }, format: 'JSONEachRow' });
    return Number((await result.json<{ n: number | string }>())[0]!.n);
  }

  it('refuses out-of-range values with 400 naming the event and the field, and inserts nothing', async () => {
    const good = testRequestEvent({ alias: 'range-probe' });
    for (const [field, value] of [['status_code', 70_000], ['prompt_tokens', 2 ** 40], ['ts', '2026-02-30 00:00:00.000']] as const) {
      const response = await post({ batchId: `range-${field}`, events: [good, { ...testRequestEvent({ alias: 'range-probe' }), [field]: value }] });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_value', type: 'invalid_request_error', param: `events[1].${field}` } });
    }
    expect(await stored('range-probe')).toBe(0);
  });

  it('acknowledges a retried batch id again, and refuses the same id with other events with 409', async () => {
    const events = [testRequestEvent({ alias: 'batch-id-probe' })];
    expect((await post({ batchId: 'batch-id-reuse', events })).status).toBe(202);
    expect((await post({ batchId: 'batch-id-reuse', events })).status).toBe(202);
    const other = await post({ batchId: 'batch-id-reuse', events: [testRequestEvent({ alias: 'batch-id-probe' })] });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ error: { code: 'batch_id_conflict', param: 'batchId' } });
    expect(await stored('batch-id-probe')).toBe(1);
  });

  it('answers 413 to an oversized batch, and the client receives it', async () => {
    const big = JSON.stringify({ batchId: 'too-big-batch', events: [testRequestEvent({ alias: 'x'.repeat(200) })], padding: 'p'.repeat(33 * 1024 * 1024) });
    const response = await post(big);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'body_too_large' } });
  });

  it('answers 400 to a permanent insert error and 503 to a transient one', async () => {
    try {
      database = 'broken';
      const permanent = await post({ batchId: 'permanent-error', events: [testRequestEvent()] });
      expect(permanent.status).toBe(400);
      expect(await permanent.json()).toMatchObject({ error: { code: 'invalid_value', message: expect.stringMatching(/refused the batch \(CANNOT_PARSE/) } });
      database = 'unmigrated';
      const transient = await post({ batchId: 'transient-error', events: [testRequestEvent()] });
      expect(transient.status).toBe(503);
      expect(await transient.json()).toMatchObject({ error: { code: 'not_ready' } });
    } finally {
      database = 'relay';
    }
  });

  it('the data plane sink classifies the answers, and its queue moves a poison batch aside and goes on', async () => {
    const sink = createControlplaneSink({ controlplaneUrl: url, internalToken: TOKEN });
    await expect(sink.write('sink-poison', [{ ...testRequestEvent(), status_code: 70_000 }])).rejects.toBeInstanceOf(PermanentEventError);
    const spoolDir = join(dir, 'spool');
    const spool = await openEventSpool({ dir: spoolDir, maxBytes: 10_000_000, logger });
    const queue = createEventQueue({ sink, batchSize: 1, flushIntervalMs: 60_000, maxQueued: 100, logger, spool, retryBaseMs: 1 });
    queue.push({ ...testRequestEvent({ alias: 'after-poison' }), status_code: 70_000 });
    queue.push(testRequestEvent({ alias: 'after-poison' }));
    await queue.flush();
    expect(queue.stats()).toMatchObject({ written: 1, rejectedEvents: 1, rejectedBatches: 1, queued: 0 });
    expect((await readdir(join(spoolDir, 'rejected'))).filter((n) => n.endsWith('.jsonl'))).toHaveLength(1);
    expect(await stored('after-poison')).toBe(1);
    await queue.close();
    await spool.close();
  });
});
