import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { SnapshotPublisher } from '../../src/domain/snapshot-publisher.ts';
import { createBatchIdMemory, type BatchIdMemory } from '../../src/internal/batch-id-memory.ts';
import { handleInternal } from '../../src/internal/internal-api.ts';
import type { GraphQLHarness } from '../graphql/graphql-harness.ts';

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
