import { join } from 'node:path';
import type { Logger } from 'pino';
import { applyAnalyticsRetention } from '../analytics/analytics-retention.ts';
import { createClickHouse, migrateClickHouse } from '../analytics/clickhouse.ts';
import type { ControlplaneConfig } from '../config.ts';
import { createDatabase, type Database } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { ensureBootstrap, type OwnerSetup } from '../domain/bootstrap.ts';
import { createSnapshotPublisher, type SnapshotPublisher } from '../domain/snapshot-publisher.ts';
import { createBudgetAlertRecorder, type BudgetAlertRecorder } from '../money/budget-alerts.ts';
import { createQuotaAlertRecorder } from '../quota/budget-alert-recorder.ts';
import { createBudgetWebhookDeliverer } from '../money/budget-webhook.ts';
import { createKeyUsageSync } from '../domain/sync-key-usage.ts';
import { createControlplane } from '../server.ts';
import { loadOperationTracing } from '../graphql/operation-tracing.ts';

type ClickHouse = Awaited<ReturnType<typeof createClickHouse>>;

/** The control plane's parts, started and migrated, not yet listening. */
export interface ControlplaneServices {
  db: Database;
  clickhouse: ClickHouse;
  publisher: SnapshotPublisher;
  keyUsageSync: ReturnType<typeof createKeyUsageSync>;
  /** Records budget alerts (the quota service calls it) and hands their webhooks to the deliverer. */
  recordBudgetAlert: BudgetAlertRecorder;
  /** Plaintext secrets created by this start (null when they existed before), and the owner user it made. */
  bootstrap: { adminToken: string | null; demoKey: string | null; ownerSetup: OwnerSetup | null };
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

/** Options of {@link startControlplaneServices}. */
export interface ControlplaneServicesOptions {
  config: ControlplaneConfig;
  logger: Logger;
  seedDemo: boolean;
  /** Admin token to ensure (its hash is stored); null = create one if none exists. */
  adminToken: string | null;
  /** Demo key to seed with (embedded mode keeps it across restarts); null = generate one. */
  demoKey: string | null;
  /** See ControlplaneServerOptions.awaitDataplane: `relay start` waits for its data plane child. */
  awaitDataplane?: (version: number) => Promise<void>;
}

/**
 * Opens Postgres (or PGlite) and ClickHouse (or chDB), applies their migrations, bootstraps the
 * admin token and demo seed, builds the first config snapshot and prepares the HTTP server.
 * Shared by `relay start` (with the data plane in the same process) and `relay controlplane`.
 */
export async function startControlplaneServices(options: ControlplaneServicesOptions): Promise<ControlplaneServices> {
  const { config, logger } = options;
  const db = await createDatabase({ databaseUrl: config.databaseUrl, pglitePath: join(config.dataDir, 'pglite') });
  const closers: Array<() => Promise<void>> = [() => db.close()];
  try {
    await migrateDatabase(db, logger);
    const clickhouse = await createClickHouse({
      url: config.clickhouseUrl,
      chdbPath: join(config.dataDir, 'chdb'),
      database: config.clickhouseDatabase,
      cluster: config.clickhouseCluster,
    });
    closers.unshift(() => clickhouse.close());
    await migrateClickHouse(clickhouse, logger);
    await applyAnalyticsRetention(clickhouse, config.analyticsRetention, logger);

    const bootstrap = await ensureBootstrap(db.prisma, {
      keySecret: config.keySecret,
      adminToken: options.adminToken,
      masterKey: config.masterKey,
      seedDemo: options.seedDemo,
      ownerEmail: config.ownerEmail,
      ...(options.demoKey === null ? {} : { demoKey: options.demoKey }),
    });

    const publisher = createSnapshotPublisher({
      prisma: db.prisma,
      internalToken: config.internalToken,
      masterKey: config.masterKeyring,
      logger,
      // PGlite is this process's alone (its directory is locked): no other control plane changes config there.
      sharedDatabase: db.kind === 'postgres',
    });
    await publisher.start();
    closers.unshift(() => publisher.stop());

    const keyUsageSync = createKeyUsageSync({ prisma: db.prisma, clickhouse, intervalMs: 5_000 });
    keyUsageSync.start();
    closers.unshift(async () => keyUsageSync.stop());

    // Budget alert webhooks follow the provider base-URL policy; pending ones resume now.
    const budgetWebhooks = createBudgetWebhookDeliverer({ prisma: db.prisma, policy: config.providerUrlPolicy, logger });
    await budgetWebhooks.start();
    closers.unshift(() => budgetWebhooks.stop());

    const recordBudgetAlert = createBudgetAlertRecorder(budgetWebhooks);
    // OpenTelemetry only when an OTLP endpoint is set; closed last, so the last operations' spans go out.
    const tracing = config.tracing === null ? null : await loadOperationTracing(config.tracing);
    if (tracing !== null) closers.push(() => tracing.shutdown());
    const server = createControlplane({
      ...(tracing === null ? {} : { tracingPlugin: tracing.plugin }),
      recordBudgetAlerts: createQuotaAlertRecorder(db.prisma, recordBudgetAlert),
      config,
      db,
      clickhouse,
      publisher,
      logger,
      ...(options.awaitDataplane ? { awaitDataplane: options.awaitDataplane } : {}),
    });
    closers.unshift(() => server.close());

    return {
      db,
      clickhouse,
      publisher,
      keyUsageSync,
      recordBudgetAlert,
      bootstrap,
      listen: (port, host) => server.listen(port, host),
      close: () => closeAll(closers),
    };
  } catch (err) {
    await closeAll(closers).catch(() => undefined);
    throw err;
  }
}

/** Runs every closer even when one fails, then reports the first failure. */
async function closeAll(closers: ReadonlyArray<() => Promise<void>>): Promise<void> {
  const results = await closers.reduce<Promise<PromiseSettledResult<void>[]>>(
    async (done, close) => [...(await done), ...(await Promise.allSettled([close()]))],
    Promise.resolve([]),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}
