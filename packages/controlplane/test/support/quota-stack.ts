import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pino } from 'pino';
import { generateSecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import { createDataplane, type Dataplane } from '@proxystacks/dataplane/app';
import { loadDataplaneConfig } from '@proxystacks/dataplane/config';
import { createEventQueue } from '@proxystacks/dataplane/events/event-queue';
import { createSnapshotPoller } from '@proxystacks/dataplane/snapshot/snapshot-client';
import { createSnapshotStore, type SnapshotStore } from '@proxystacks/dataplane/snapshot/snapshot-store';
import type { ClickHouse } from '../../src/analytics/clickhouse.ts';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { ensureBootstrap } from '../../src/domain/bootstrap.ts';
import { bumpConfigRevision } from '../../src/domain/config-revision.ts';
import { createSnapshotPublisher, type SnapshotPublisher } from '../../src/domain/snapshot-publisher.ts';
import { inTransaction } from '../../src/domain/transaction.ts';
import { createBatchIdMemory } from '../../src/internal/batch-id-memory.ts';
import { handleInternal } from '../../src/internal/internal-api.ts';
import { createQuotaAlertRecorder } from '../../src/quota/budget-alert-recorder.ts';
import { createQuotaService } from '../../src/quota/quota-service.ts';
import { openTestDatabase, type TestDatabase, type TestDatabaseKind } from './test-database.ts';

/** A data plane of the stack: real uWS on a loopback port, snapshots and leases from the stack's control plane. */
export interface StackDataplane {
  url: string;
  events: RequestEvent[];
  snapshots: SnapshotStore;
  /** The /metrics text. */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The control plane's internal API (snapshots and the quota service, on a real database with
 * the bootstrap's demo seed) on a loopback port, and any number of real data planes talking to
 * it over HTTP. Events stay in memory (no ClickHouse): these tests are about admission.
 */
export interface QuotaStack {
  db: Database;
  orgId: string;
  keySecret: string;
  internalToken: string;
  /** The demo key (relay-mini, mock provider, priced). */
  demoKey: string;
  controlplaneUrl: string;
  publisher: SnapshotPublisher;
  /** Control plane clock used by the quota service (tests may move it). */
  clock: { offsetMs: number };
  /** Publishes config rows a test wrote with Prisma (bumps the revision, rebuilds the snapshot). */
  publish(): Promise<number>;
  stopControlplane(): Promise<void>;
  startControlplane(): Promise<void>;
  startDataplane(env?: Record<string, string>): Promise<StackDataplane>;
  /** Resolves once `dp` serves snapshot `version` or newer. */
  awaitSnapshot(dp: StackDataplane, version: number): Promise<void>;
  close(): Promise<void>;
}

export async function startQuotaStack(kind: TestDatabaseKind, options: { leaseTtlMs?: number } = {}): Promise<QuotaStack> {
  const database: TestDatabase = await openTestDatabase(kind);
  const logger = pino({ level: 'silent' });
  const db = await createDatabase({ databaseUrl: database.url, pglitePath: database.pglitePath });
  await migrateDatabase(db, logger);
  const keySecret = randomBytes(24).toString('hex');
  const internalToken = randomBytes(24).toString('hex');
  const boot = await ensureBootstrap(db.prisma, { keySecret, masterKey: generateSecretKey(), adminToken: null, seedDemo: true });
  const publisher = createSnapshotPublisher({ prisma: db.prisma, internalToken, masterKey: generateSecretKey(), logger, pollIntervalMs: 100 });
  await publisher.start();
  const clock = { offsetMs: 0 };
  const quota = createQuotaService({
    prisma: db.prisma,
    currentSnapshot: () => publisher.current(),
    leaseTtlMs: options.leaseTtlMs ?? 30_000,
    recordAlerts: createQuotaAlertRecorder(db.prisma),
    logger,
    now: () => Date.now() + clock.offsetMs,
  });
  const deps = { internalToken, publisher, clickhouse: {} as ClickHouse, batches: createBatchIdMemory(), logger, quota };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handleInternal(req, res, (req.url ?? '/').split('?')[0]!, deps)
      .then((handled) => (handled ? undefined : res.writeHead(404).end()))
      .catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const controlplaneUrl = `http://127.0.0.1:${port}`;
  const dataplanes = new Set<StackDataplane>();

  const stack: QuotaStack = {
    db,
    orgId: boot.orgId,
    keySecret,
    internalToken,
    demoKey: boot.demoKey!,
    controlplaneUrl,
    publisher,
    clock,
    async publish() {
      await inTransaction(db.prisma, (tx) => bumpConfigRevision(tx));
      await publisher.refresh();
      return publisher.current().version;
    },
    stopControlplane: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
    startControlplane: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    async startDataplane(env = {}) {
      const config = loadDataplaneConfig({
        RELAY_KEY_SECRET: keySecret,
        RELAY_INTERNAL_TOKEN: internalToken,
        CONTROLPLANE_URL: controlplaneUrl,
        DATAPLANE_PORT: '0',
        LOG_LEVEL: 'silent',
        ...env,
      });
      const snapshots = createSnapshotStore({ credentialKey: snapshotCredentialKey(internalToken), persistPath: null, logger });
      const poller = createSnapshotPoller({ controlplaneUrl, internalToken, store: snapshots, intervalMs: 50, waitSeconds: 1, logger });
      await poller.start();
      const events: RequestEvent[] = [];
      const queue = createEventQueue({ sink: { write: async (_id, batch) => void events.push(...batch) }, batchSize: 50, flushIntervalMs: 10, maxQueued: 100_000, logger });
      const dataplane: Dataplane = createDataplane({ config, snapshots, events: queue, logger });
      const dpPort = await dataplane.listen(0, '127.0.0.1');
      const handle: StackDataplane = {
        url: `http://127.0.0.1:${dpPort}`,
        events,
        snapshots,
        async metrics() {
          const response = await fetch(`${handle.url}/metrics`, { headers: { authorization: `Bearer ${internalToken}` } });
          return response.text();
        },
        async close() {
          dataplanes.delete(handle);
          await dataplane.close();
          await poller.stop();
          await queue.close();
        },
      };
      dataplanes.add(handle);
      return handle;
    },
    async awaitSnapshot(dp, version) {
      const deadline = Date.now() + 20_000;
      while ((dp.snapshots.current()?.version ?? -1) < version) {
        if (Date.now() > deadline) throw new Error(`data plane did not load snapshot ${version}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      for (const dp of [...dataplanes]) await dp.close();
      await stack.stopControlplane();
      await publisher.stop();
      await db.close();
      await database.cleanup();
    },
  };
  return stack;
}
