import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlplaneSink } from '@proxystacks/dataplane/events/controlplane-sink';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import type { GraphQLHarness } from './graphql/graphql-harness.ts';
import { openEventPath, startIngestFixture, type IngestFixture, type IngestServer } from './support/ingest-server.ts';
import { testDatabaseKinds } from './support/test-database.ts';

const TOKEN = 'issue-11-batch-ids-token-0123456789abcdef';

/**
 * Issue 11, scale-out: after a control plane restart under load, one event batch per run was
 * refused for good (409 batch_id_conflict, moved to the data plane's rejected/). Batch ids were
 * named after log positions only (`log-<segment>-<offset>-…`), and every fresh data plane's log
 * starts at segment 1: two data planes whose first events have the same size send the same id
 * with different events, and the control plane's batch-id memory, shared by all data planes,
 * takes the second for a conflicting reuse. Here two data planes' real event logs, spools and
 * queues send through the real control plane sink to the real ingest (chDB, ledger on
 * PGlite/Postgres); then the control plane "restarts" (its memory is gone, ClickHouse and the
 * ledger are not) and a data plane sends the same batch again: taken once, never refused.
 */
describe.each(testDatabaseKinds())('issue 11: event batch ids are unique across data planes (%s)', (kind) => {
  let fixture: IngestFixture | undefined;
  let h: GraphQLHarness;
  let dir: string;
  let ingest: IngestServer;

  beforeAll(async () => {
    fixture = await startIngestFixture(kind, TOKEN, 'relay-batch-ids-');
    ({ h, dir, ingest } = fixture);
  }, 120_000);
  afterAll(() => fixture?.close());

  /** One data plane's event path on its own fresh data directory, recording what it sent. */
  const openDataplane = (name: string) => openEventPath(join(dir, name), ingest.url, TOKEN, { batchSize: 100, maxQueued: 100 });

  async function clickhouseRows(requestIds: readonly string[]): Promise<number> {
    const ch = h.clickhouse;
    // No FINAL: a row inserted twice would count twice.
    const result = await ch.client.query({ query: `SELECT count() AS n FROM ${ch.database}.request_events WHERE request_id IN {ids:Array(String)}`, query_params: { ids: requestIds }, format: 'JSONEachRow' });
    return Number((await result.json<{ n: number | string }>())[0]!.n);
  }

  const postings = (requestIds: readonly string[]) => h.db.prisma.ledgerTransaction.count({ where: { requestId: { in: [...requestIds] } } });

  it('takes the first batch of two fresh data planes, then a retry after a restart once', async () => {
    const planes = [await openDataplane('plane-a'), await openDataplane('plane-b')];
    // Same-length request ids: the two first events are lines of one size in their logs.
    const events = planes.map((_, i) => testRequestEvent({ request_id: `req_issue11_batch_ids_${kind}_${i}`, org_id: h.orgId, cost_micros: 1_000 + i }));
    expect(JSON.stringify(events[0]).length).toBe(JSON.stringify(events[1]).length);
    for (const [i, plane] of planes.entries()) {
      plane.queue.push(events[i]!);
      await plane.queue.flush();
    }
    const ids = events.map((e) => e.request_id);
    for (const plane of planes) {
      expect(plane.queue.stats()).toMatchObject({ written: 1, rejectedBatches: 0 });
      expect(await plane.rejectedFiles()).toBe(0);
    }
    expect(planes[0]!.sent[0]!.batchId).not.toBe(planes[1]!.sent[0]!.batchId);
    expect(await clickhouseRows(ids)).toBe(2);
    expect(await postings(ids)).toBe(2);

    // The control plane restarts after storing plane A's batch and before answering it: its
    // memory is empty, ClickHouse and the ledger keep the batch, plane A sends it again.
    ingest.forgetBatchIds();
    const retry = planes[0]!.sent[0]!;
    await createControlplaneSink({ controlplaneUrl: ingest.url, internalToken: TOKEN }).write(retry.batchId, retry.events);
    expect(await clickhouseRows(ids)).toBe(2);
    expect(await postings(ids)).toBe(2);
    for (const plane of planes) await plane.close();
  });
});
