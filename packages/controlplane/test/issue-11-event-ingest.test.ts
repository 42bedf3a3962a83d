import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestEventsHash } from '@proxystacks/shared/events/insert-request-events';
import { decodeRequestEventRow, type RequestEvent } from '@proxystacks/shared/events/request-event';
import { REQUEST_EVENT_COLUMNS_ADDED_IN_0005, REQUEST_EVENT_COLUMNS_ADDED_IN_0006, REQUEST_EVENT_COLUMNS_ADDED_IN_0008, REQUEST_EVENT_INSERT_COLUMNS } from '@proxystacks/shared/events/request-events-ddl';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import type { GraphQLHarness } from './graphql/graphql-harness.ts';
import { openEventPath, startIngestFixture, type IngestFixture, type IngestServer } from './support/ingest-server.ts';
import { testDatabaseKinds } from './support/test-database.ts';

const TOKEN = 'issue-11-event-ingest-token-0123456789abcdef';

/**
 * Issue 11, "events cheap end to end": the data plane serialises each event once (its event log
 * line, spliced into the ingest body), the control plane validates it and encodes the batch once
 * as JSONCompactEachRow rows (the insert body and the content hash), and inserts it in one
 * statement. What must not change: rows arrive exactly, priced events are debited, and events a
 * data plane logged or spooled before the upgrade (the older event shape, batches under ids and
 * hashes ClickHouse has already seen) replay into ClickHouse once. Real ingest over loopback,
 * real chDB, the ledger on PGlite or Postgres.
 */
describe.each(testDatabaseKinds())('issue 11: events into ClickHouse, serialised once (%s)', (kind) => {
  let fixture: IngestFixture | undefined;
  let h: GraphQLHarness;
  let dir: string;
  let ingest: IngestServer;

  beforeAll(async () => {
    fixture = await startIngestFixture(kind, TOKEN, 'relay-event-ingest-');
    ({ h, dir, ingest } = fixture);
  }, 120_000);
  afterAll(() => fixture?.close());

  /** The data plane's real event path on `dataDir` (log, spool, queue, control plane sink). */
  const openPipeline = (dataDir: string) => openEventPath(dataDir, ingest.url, TOKEN, { batchSize: 10_000, maxQueued: 100_000 });

  /** Rows of `ids` as stored (no FINAL: a row inserted twice is read twice), by request id. */
  async function storedRows(ids: readonly string[]): Promise<RequestEvent[]> {
    const ch = h.clickhouse;
    const result = await ch.client.query({ query: `SELECT * FROM ${ch.database}.request_events WHERE request_id IN {ids:Array(String)} ORDER BY request_id`, query_params: { ids }, format: 'JSONEachRow' });
    return (await result.json<Record<string, unknown>>()).map(decodeRequestEventRow);
  }

  const postings = (ids: readonly string[]) => h.db.prisma.ledgerTransaction.count({ where: { requestId: { in: [...ids] } } });
  const byId = (events: readonly RequestEvent[]) => [...events].sort((a, b) => (a.request_id < b.request_id ? -1 : 1));

  it('stores a large batch exactly as the data plane logged it, and debits its priced requests', async () => {
    const pipeline = await openPipeline(join(dir, `fresh-${kind}`));
    const events = Array.from({ length: 2_000 }, (_, i) =>
      testRequestEvent({
        request_id: `req_issue11_ingest_${kind}_${String(i).padStart(5, '0')}`,
        org_id: h.orgId,
        cost_micros: i % 10 === 0 ? 100 + i : 0,
        ttft_ms: i % 3 === 0 ? null : i,
        streamed: i % 2 === 0,
        stream_end: i % 2 === 0 ? 'done' : '',
        upstream_error_code: i === 7 ? 'quote " backslash \\ newline \n tab \t emoji 😀 \u2028' : '',
        attempts: 2,
        attempt_log: [
          { deployment_id: `r-${i}`, provider_id: 'p-backup', upstream_model: 'm-backup', status: 503, latency_ms: 12, error_code: 'upstream_error' },
          { deployment_id: 'r-main', provider_id: 'p-main', upstream_model: 'm-main', status: 200, latency_ms: 345, error_code: '' },
        ],
      }),
    );
    for (const event of events) pipeline.queue.push(event);
    await pipeline.queue.flush();
    expect(pipeline.queue.stats()).toMatchObject({ written: 2_000, rejectedBatches: 0, spooled: 0 });
    await pipeline.close();
    const ids = events.map((e) => e.request_id);
    expect(await storedRows(ids)).toEqual(byId(events));
    expect(await postings(ids)).toBe(200);
  });

  it('replays an event log and a spool an older data plane wrote, once, also for a batch the older control plane stored', async () => {
    const dataDir = join(dir, `upgrade-${kind}`);
    // Events as a data plane from before migrations 0005/0006/0008 wrote them: without those columns.
    const older = (id: string) => {
      const event: Record<string, unknown> = { ...testRequestEvent({ request_id: id, org_id: h.orgId, cost_micros: 50 }) };
      for (const name of [...REQUEST_EVENT_COLUMNS_ADDED_IN_0005, ...REQUEST_EVENT_COLUMNS_ADDED_IN_0006, ...REQUEST_EVENT_COLUMNS_ADDED_IN_0008]) delete event[name];
      return event;
    };
    const logged = [older(`req_issue11_upgrade_log_${kind}_1`), older(`req_issue11_upgrade_log_${kind}_2`)];
    const spooled = [older(`req_issue11_upgrade_spool_${kind}_1`)];
    const stored = [older(`req_issue11_upgrade_stored_${kind}_1`)];
    await mkdir(join(dataDir, 'event-log'), { recursive: true });
    await writeFile(join(dataDir, 'event-log', '000000000001.events'), logged.map((e) => `${JSON.stringify(e)}\n`).join(''));
    await mkdir(join(dataDir, 'event-spool'), { recursive: true });
    await writeFile(join(dataDir, 'event-spool', `000001700000000-000000000-n1-spooled-${kind}.jsonl`), `${JSON.stringify(spooled[0])}\n`);
    // The older control plane inserted this batch (JSONEachRow, same token) and the answer was lost:
    // the data plane spooled it and replays it under the same id to the new control plane.
    const storedFull = stored.map((e) => ({ ...e, cost_saved_micros: 0, cache_hit: false, attempt_log: [], cache_write_tokens: 0 })) as unknown as RequestEvent[];
    await h.clickhouse.client.insert({
      table: `${h.clickhouse.database}.request_events`,
      values: storedFull,
      format: 'JSONEachRow',
      columns: REQUEST_EVENT_INSERT_COLUMNS as [string, ...string[]],
      clickhouse_settings: { insert_deduplication_token: `stored-${kind}:${requestEventsHash(storedFull)}`, async_insert: 0 },
    });
    await writeFile(join(dataDir, 'event-spool', `000001700000001-000000001-n1-stored-${kind}.jsonl`), `${JSON.stringify(stored[0])}\n`);

    const pipeline = await openPipeline(dataDir);
    await pipeline.queue.flush();
    expect(pipeline.queue.stats()).toMatchObject({ rejectedBatches: 0, spoolBatches: 0 });
    await pipeline.close();
    const ids = [...logged, ...spooled, ...stored].map((e) => e.request_id as string);
    const rows = await storedRows(ids);
    expect(rows.map((r) => r.request_id)).toEqual([...ids].sort());
    for (const row of rows) expect(row).toMatchObject({ cost_saved_micros: 0, cache_hit: false, attempt_log: [], cache_write_tokens: 0, cost_micros: 50 });
    expect(await postings(ids)).toBe(4);
  });
});
