import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createControlplaneSink } from '@proxystacks/dataplane/events/controlplane-sink';
import { createDiskErrors } from '@proxystacks/dataplane/events/disk-errors';
import { openEventLog } from '@proxystacks/dataplane/events/event-log';
import { createEventQueue } from '@proxystacks/dataplane/events/event-queue';
import type { EventSink } from '@proxystacks/dataplane/events/event-sink';
import { openEventSpool } from '@proxystacks/dataplane/events/event-spool';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import type { SnapshotPublisher } from '../../src/domain/snapshot-publisher.ts';
import { createBatchIdMemory, type BatchIdMemory } from '../../src/internal/batch-id-memory.ts';
import { handleInternal } from '../../src/internal/internal-api.ts';
import { startGraphQLHarness, type GraphQLHarness } from '../graphql/graphql-harness.ts';
import type { TestDatabaseKind } from './test-database.ts';

/** The control plane's real internal API (event ingest) on loopback, in front of a harness's chDB and ledger. */
export interface IngestServer {
  url: string;
  /** A control plane restart as the ingest sees it: the batch-id memory is empty, ClickHouse and the ledger are not. */
  forgetBatchIds(): void;
  close(): Promise<void>;
}

/**
 * Serves `handleInternal` on port 0 with `h`'s ClickHouse and Prisma, authenticated by `token`.
 * The snapshot publisher is not on the event path and is left out.
 */
export async function startIngestServer(h: GraphQLHarness, token: string): Promise<IngestServer> {
  const logger = pino({ level: 'silent' });
  let batches: BatchIdMemory = createBatchIdMemory();
  const publisher = {} as SnapshotPublisher;
  const server = createServer((req, res) => {
    const deps = { internalToken: token, publisher, clickhouse: h.clickhouse, batches, logger, prisma: h.db.prisma };
    handleInternal(req, res, new URL(req.url ?? '/', 'http://x').pathname, deps).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forgetBatchIds: () => void (batches = createBatchIdMemory()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A data plane's real event path on `dataDir` (event log, spool, queue, control plane sink to
 * `ingestUrl`), recording every batch it sent. Opening it replays what the directory holds.
 */
export async function openEventPath(dataDir: string, ingestUrl: string, token: string, queueOptions: { batchSize: number; maxQueued: number }) {
  const logger = pino({ level: 'silent' });
  const log = await openEventLog({ dir: join(dataDir, 'event-log'), fsyncIntervalMs: 100, diskErrors: createDiskErrors(logger), logger });
  const spool = await openEventSpool({ dir: join(dataDir, 'event-spool'), maxBytes: 10_000_000, logger });
  const controlplane = createControlplaneSink({ controlplaneUrl: ingestUrl, internalToken: token });
  const sent: Array<{ batchId: string; events: readonly RequestEvent[] }> = [];
  const sink: EventSink = {
    async write(batchId, events, json) {
      sent.push({ batchId, events });
      await controlplane.write(batchId, events, json);
    },
  };
  const queue = createEventQueue({ sink, ...queueOptions, flushIntervalMs: 60_000, logger, spool, log, retryBaseMs: 1 });
  return {
    queue,
    sent,
    rejectedFiles: async () => (await readdir(join(dataDir, 'event-spool', 'rejected')).catch(() => [])).length,
    async close() {
      await queue.close();
      await log.close();
      await spool.close();
    },
  };
}

/** A harness (database `kind`, chDB), a temp directory and the ingest in front of them: one per test file. */
export interface IngestFixture {
  h: GraphQLHarness;
  dir: string;
  ingest: IngestServer;
  close(): Promise<void>;
}

/** Starts an {@link IngestFixture}; its temp directory is named `prefix…`. */
export async function startIngestFixture(kind: TestDatabaseKind, token: string, prefix: string): Promise<IngestFixture> {
  const h = await startGraphQLHarness({ database: kind });
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const ingest = await startIngestServer(h, token);
  return {
    h,
    dir,
    ingest,
    async close() {
      await ingest.close();
      await h.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
