import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { snapshotCredentialKeyring } from '@proxystacks/shared/snapshot/snapshot-credentials';
import { createDataplane } from './app.ts';
import { loadDataplaneConfig, type DataplaneConfig } from './config.ts';
import { createClickHouseSink } from './events/clickhouse-sink.ts';
import { createControlplaneSink } from './events/controlplane-sink.ts';
import { createLedgerTeeSink } from './events/ledger-tee-sink.ts';
import { openEventPipeline } from './events/open-event-pipeline.ts';
import { createDataplaneLogger } from './logger.ts';
import { createSnapshotPoller } from './snapshot/snapshot-client.ts';
import { createSnapshotStore } from './snapshot/snapshot-store.ts';

/** Options of {@link runDataplane} for a parent that supervises it (`relay start`). */
export interface RunDataplaneHooks {
  /** Print the "Data plane: …" line on stdout (default true; the embedded child stays quiet). */
  announce?: boolean;
  /** Called with the version of every snapshot applied. */
  onSnapshotApplied?: (version: number) => void;
  /** What GET /metrics answers instead of this process's own metrics (a supervised worker answers for all workers). */
  renderMetrics?: () => Promise<string>;
}

/** A running data plane process's handle. */
export interface RunningDataplane {
  /** The port it listens on (the real one when DATAPLANE_PORT=0). */
  port: number;
  /** Its index under the `relay dataplane` worker supervisor; null when it is not a supervised worker. */
  workerIndex: number | null;
  /** The applied snapshot's version; null before the first one. */
  snapshotVersion(): number | null;
  /** This process's own metrics in Prometheus text format. */
  renderOwnMetrics(): Promise<string>;
  close(): Promise<void>;
}

/** A separate data plane's control plane URL; throws the start-up error naming CONTROLPLANE_URL when it is unset. */
export function requireControlplaneUrl(config: DataplaneConfig): string {
  if (config.controlplaneUrl === null) {
    throw new Error('Invalid data plane configuration:\n  - CONTROLPLANE_URL is required for `relay dataplane` (e.g. http://127.0.0.1:4000)');
  }
  return config.controlplaneUrl;
}

/**
 * `relay dataplane`: a data plane in its own process. Snapshots come from CONTROLPLANE_URL
 * (kept on disk, so a restart serves even while the control plane is down); events go to
 * CLICKHOUSE_URL when set (and their priced requests to the control plane's ledger), else to the
 * control plane's ingest endpoint.
 */
export async function runDataplane(env: Record<string, string | undefined>, hooks: RunDataplaneHooks = {}): Promise<RunningDataplane> {
  const config = loadDataplaneConfig(env);
  const controlplaneUrl = requireControlplaneUrl(config);
  const logger = createDataplaneLogger(config.logLevel);
  const snapshots = createSnapshotStore({
    credentialKey: snapshotCredentialKeyring(config.internalToken, config.internalTokenPrevious),
    persistPath: join(config.dataDir, 'dataplane-snapshot.json'),
    logger,
    ...(hooks.onSnapshotApplied ? { onApplied: hooks.onSnapshotApplied } : {}),
  });
  await snapshots.loadFromDisk();
  const poller = createSnapshotPoller({
    controlplaneUrl,
    internalToken: config.internalToken,
    store: snapshots,
    intervalMs: config.snapshotPollIntervalMs,
    logger,
  });
  await poller.start();

  const clickhouse = config.clickhouseUrl === null ? null : createClient({ url: config.clickhouseUrl });
  const controlplane = { controlplaneUrl, internalToken: config.internalToken };
  const sink =
    clickhouse === null
      ? createControlplaneSink(controlplane)
      : createLedgerTeeSink({ store: createClickHouseSink({ client: clickhouse, database: config.clickhouseDatabase }), ledger: createControlplaneSink({ ...controlplane, ledgerOnly: true }) });
  const { events, close: closeEvents } = await openEventPipeline({ config, sink, logger });
  const dataplane = createDataplane({ config, snapshots, events, logger, ...(hooks.renderMetrics ? { renderMetrics: hooks.renderMetrics } : {}) });
  const port = await dataplane.listen(config.port, config.host);
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  if (hooks.announce !== false) process.stdout.write(`Data plane: http://${host.includes(':') ? `[${host}]` : host}:${port}/v1 (snapshot ${snapshots.current()?.version ?? 'not yet loaded'})\n`);
  return {
    port,
    workerIndex: config.workerIndex,
    snapshotVersion: () => snapshots.current()?.version ?? null,
    renderOwnMetrics: () => dataplane.renderOwnMetrics(),
    async close() {
      await dataplane.close();
      await poller.stop();
      await closeEvents();
      await snapshots.flush();
      await clickhouse?.close();
    },
  };
}
