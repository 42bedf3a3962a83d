import { loadDataplaneConfig } from '../config.ts';
import { createDataplaneLogger } from '../logger.ts';
import { requireControlplaneUrl, runDataplane } from '../main.ts';
import type { RestartPolicy } from './restart-policy.ts';
import { startWorkerSupervisor } from './worker-supervisor.ts';

/**
 * Crash-loop policy: restarts after 250 ms, 500 ms, 1 s, … (at most 10 s apart); five crashes of
 * one worker within a minute means it will not come up by itself.
 */
const RESTART_POLICY: RestartPolicy = { initialDelayMs: 250, maxDelayMs: 10_000, maxCrashes: 5, windowMs: 60_000 };

/** What `relay dataplane` holds while it serves. */
export interface DataplaneService {
  port: number;
  close(): Promise<void>;
}

/**
 * `relay dataplane`: with DATAPLANE_WORKERS=1 the data plane serves in this very process (no
 * supervisor, no IPC); with more, this process supervises that many worker processes sharing the
 * port (workers/worker-supervisor.ts) and prints where they are. `onGaveUp` is called, after
 * everything is closed, when a worker crash-loops.
 */
export async function runDataplaneService(env: Record<string, string | undefined>, onGaveUp: (reason: string) => void): Promise<DataplaneService> {
  const config = loadDataplaneConfig(env);
  if (config.workers === 1) return runDataplane(env);
  requireControlplaneUrl(config);
  const supervisor = await startWorkerSupervisor({
    count: config.workers,
    env,
    dataDir: config.dataDir,
    host: config.host,
    port: config.port,
    dataplaneId: config.dataplaneId,
    logger: createDataplaneLogger(config.logLevel),
    restart: RESTART_POLICY,
    closeTimeoutMs: config.shutdownGraceMs + 15_000,
    startTimeoutMs: 120_000,
    onGaveUp,
  });
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  process.stdout.write(
    `Data plane: http://${host.includes(':') ? `[${host}]` : host}:${supervisor.port}/v1 (snapshot ${supervisor.snapshotVersion ?? 'not yet loaded'})\n` +
      `Data plane workers: ${config.workers} (pids ${supervisor.pids().join(', ')})\n`,
  );
  return { port: supervisor.port, close: () => supervisor.close() };
}
