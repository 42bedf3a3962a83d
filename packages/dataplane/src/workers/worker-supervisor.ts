import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { dataplaneChildCommand } from '../embedded/child-command.ts';
import { isDataplaneChildMessage, type DataplaneParentMessage } from '../embedded/child-messages.ts';
import { pickFreePort } from './free-port.ts';
import { createMetricsGatherer } from './metrics-gatherer.ts';
import { decideRestart, type RestartPolicy } from './restart-policy.ts';

/** Options of {@link startWorkerSupervisor}. */
export interface WorkerSupervisorOptions {
  count: number;
  /** The environment every worker starts from (already validated by loadDataplaneConfig). */
  env: Record<string, string | undefined>;
  /** RELAY_DATA_DIR: worker 0 keeps it, worker n > 0 gets `<dataDir>/worker-<n>`. */
  dataDir: string;
  host: string;
  port: number;
  dataplaneId: string;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  restart: RestartPolicy;
  /** After asking the workers to close, how long before they are killed (their drain grace plus a margin). */
  closeTimeoutMs: number;
  /** How long the first start of each worker may take. */
  startTimeoutMs: number;
  /** A worker crash-looped: everything is closed and this is called with the reason. */
  onGaveUp(reason: string): void;
}

/** The running workers, as `relay dataplane` holds them. */
export interface WorkerSupervisor {
  /** The one port all workers listen on (SO_REUSEPORT: uWebSockets.js sets it on Linux). */
  readonly port: number;
  /** Oldest snapshot version any worker started with (null when one had none). */
  readonly snapshotVersion: number | null;
  /** Process ids of the workers serving now, by worker index (null while one restarts). */
  pids(): Array<number | null>;
  close(): Promise<void>;
}

/** The data directory of worker `index`: worker 0 keeps RELAY_DATA_DIR, so going from one process to several keeps its spool. */
export function workerDataDir(dataDir: string, index: number): string {
  return index === 0 ? dataDir : join(dataDir, `worker-${index}`);
}

/**
 * Worker `index`'s environment: the shared one, with its own port share, index, data plane id
 * (`<id>/w<index>`) and directory (workerDataDir). Also what `relay start` gives its data plane
 * children when it runs several.
 */
export function workerEnv(
  env: Record<string, string | undefined>,
  worker: { index: number; port: number; dataplaneId: string; dataDir: string },
): Record<string, string> {
  const own: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) own[name] = value;
  return {
    ...own,
    DATAPLANE_PORT: String(worker.port),
    DATAPLANE_WORKERS: '1',
    DATAPLANE_WORKER_INDEX: String(worker.index),
    DATAPLANE_ID: `${worker.dataplaneId}/w${worker.index}`,
    RELAY_DATA_DIR: workerDataDir(worker.dataDir, worker.index),
  };
}

/**
 * Forks `count` data plane workers on one port, each with its own spool, event log and snapshot
 * copy (workerDataDir), restarts a worker that exits on its own (backoff; a crash loop closes
 * everything and calls onGaveUp: better down and alerting than half-serving), and answers a
 * worker's metrics scrape with every worker's metrics (merge-worker-metrics.ts).
 */
export async function startWorkerSupervisor(options: WorkerSupervisorOptions): Promise<WorkerSupervisor> {
  const { logger, restart } = options;
  const { entry, execArgv } = dataplaneChildCommand();
  const workers: Array<ChildProcess | null> = new Array(options.count).fill(null);
  /** Workers that listen: only they can answer a metrics request. */
  const serving = new Set<ChildProcess>();
  const crashes: number[][] = Array.from({ length: options.count }, () => []);
  const restartTimers = new Set<NodeJS.Timeout>();
  let closing = false;
  let port = options.port;
  const metrics = createMetricsGatherer({
    serving: () => workers.flatMap((proc, index) => (proc !== null && serving.has(proc) ? [{ index, proc }] : [])),
    logger,
  });

  function send(child: ChildProcess | null, message: DataplaneParentMessage): void {
    if (child?.connected) child.send(message);
  }

  /** Forks worker `index`; resolves with its port and snapshot once it listens, rejects if it fails first. */
  function spawnWorker(index: number): Promise<{ port: number; snapshotVersion: number | null }> {
    const proc = fork(entry, [], { env: workerEnv(options.env, { index, port, dataplaneId: options.dataplaneId, dataDir: options.dataDir }), execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    workers[index] = proc;
    return new Promise((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        reject(new Error(`data plane worker ${index} did not start within ${options.startTimeoutMs} ms`));
        proc.kill('SIGKILL');
      }, options.startTimeoutMs);
      proc.on('message', (message: unknown) => {
        if (!isDataplaneChildMessage(message)) return;
        if (message.type === 'ready') {
          ready = true;
          serving.add(proc);
          clearTimeout(timer);
          resolve({ port: message.port, snapshotVersion: message.snapshotVersion });
        } else if (message.type === 'failed') reject(new Error(`data plane worker ${index}: ${message.message}`));
        else if (message.type === 'metrics-gather') metrics.gatherFor(proc, message.id);
        else if (message.type === 'metrics-text') metrics.collect(index, message.id, message.text);
      });
      proc.on('error', (err) => reject(err));
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        serving.delete(proc);
        if (workers[index] === proc) workers[index] = null;
        if (!ready) reject(new Error(`data plane worker ${index} exited during start-up (${signal ?? `code ${code}`})`));
        if (!closing) onCrash(index, signal ?? `code ${code}`);
      });
    });
  }

  function onCrash(index: number, how: string): void {
    const decision = decideRestart(restart, crashes[index]!, Date.now());
    crashes[index] = decision.recentCrashes;
    if (decision.giveUp) {
      const reason = `data plane worker ${index} crashed ${decision.recentCrashes.length} times within ${restart.windowMs} ms (last: ${how}); giving up`;
      logger.error({ worker: index }, reason);
      void close().then(() => options.onGaveUp(reason));
      return;
    }
    const { delayMs } = decision;
    logger.error({ worker: index, exit: how, restartInMs: delayMs }, 'a data plane worker exited; restarting it');
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (closing) return;
      spawnWorker(index).then(
        () => logger.info({ worker: index, pid: workers[index]?.pid }, 'data plane worker restarted'),
        (err: unknown) => logger.error({ worker: index, err: (err as Error).message }, 'data plane worker restart failed'),
      );
    }, delayMs);
    restartTimers.add(timer);
  }

  let closed: Promise<void> | null = null;
  function close(): Promise<void> {
    closing = true;
    for (const timer of restartTimers) clearTimeout(timer);
    closed ??= Promise.all(
      workers.map(async (proc) => {
        if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        send(proc, { type: 'close' });
        const killer = setTimeout(() => proc.kill('SIGKILL'), options.closeTimeoutMs);
        await exited;
        clearTimeout(killer);
      }),
    ).then(() => undefined);
    return closed;
  }

  try {
    if (port === 0) port = await pickFreePort(options.host);
    const started = await Promise.all(Array.from({ length: options.count }, (_, index) => spawnWorker(index)));
    const versions = started.map((w) => w.snapshotVersion);
    const snapshotVersion = versions.includes(null) ? null : Math.min(...(versions as number[]));
    return { port, snapshotVersion, pids: () => workers.map((proc) => proc?.pid ?? null), close };
  } catch (err) {
    await close();
    throw err;
  }
}
