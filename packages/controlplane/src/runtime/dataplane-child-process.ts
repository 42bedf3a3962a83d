import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { dataplaneChildCommand } from '@proxystacks/dataplane/embedded/child-command';
import { isDataplaneChildMessage, type DataplaneParentMessage } from '@proxystacks/dataplane/embedded/child-messages';
import type { MetricsGatherer } from '@proxystacks/dataplane/workers/metrics-gatherer';

/** Options of {@link startDataplaneChild}. */
export interface DataplaneChildOptions {
  /** The child's whole environment (data plane settings, CONTROLPLANE_URL, the two secrets it needs). */
  env: Record<string, string>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How long to wait for the first start (tsx compiles the data plane on a cold cache). */
  startTimeoutMs?: number;
  /**
   * Longest a mutation waits for the data plane to acknowledge its snapshot before answering
   * anyway (logged). Long on purpose: a revocation should not answer before it is enforced, and
   * under a heavy admin load the control plane itself may take seconds to ship the snapshot.
   */
  ackTimeoutMs?: number;
  /** After asking the child to close, how long before it is killed (its drain grace plus a margin). */
  closeTimeoutMs: number;
  /** Pause before restarting a data plane that exited on its own. */
  restartDelayMs?: number;
  /**
   * One of several data plane processes on the port (DATAPLANE_WORKERS > 1): its index, and the
   * gatherer that answers its metrics scrapes with every process's metrics.
   */
  worker?: { index: number; metrics: MetricsGatherer };
}

/** The data plane child process, as `relay start` supervises it. */
export interface DataplaneChild {
  /** The port it listens on (kept across restarts, also when 0 was asked for). */
  readonly port: number;
  /** The serving child's process id (changes when it was restarted); null until a restarted one is ready. */
  pid(): number | null;
  /** The serving child process; null until a restarted one is ready. */
  serving(): ChildProcess | null;
  /** Resolves once the child has applied a snapshot of at least `version` (or the ack timeout passed: then it logs). */
  waitForSnapshot(version: number): Promise<void>;
  /** Asks it to drain and exit; kills it after closeTimeoutMs. */
  close(): Promise<void>;
}

/**
 * Starts the data plane as a child process and resolves once it listens with a snapshot at
 * least as new as `minSnapshotVersion`. Why a process and not a worker thread: uWebSockets.js
 * serves from a worker, but ending a worker (or the process) while it holds sockets aborts the
 * whole process in native code ("uv_loop_close() while having open handles"), and a child also
 * keeps the data plane's heap and crashes apart from PGlite and chDB.
 * A child that exits on its own is restarted on the same port (as soon as the kernel frees it).
 */
export async function startDataplaneChild(options: DataplaneChildOptions, minSnapshotVersion: number): Promise<DataplaneChild> {
  const { logger } = options;
  const ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
  /** Newest snapshot version the serving child has applied; -1 while none serves. */
  let applied = -1;
  let serving: ChildProcess | null = null;
  const waiters = new Set<{ version: number; done: () => void }>();
  let child: ChildProcess | null = null;
  let closing = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let restartDelayMs = options.restartDelayMs ?? 500;
  let restartFailures = 0;

  function onApplied(version: number): void {
    if (version <= applied) return;
    applied = version;
    for (const waiter of waiters) if (waiter.version <= applied) waiter.done();
  }

  /** Spawns one child and resolves with its port once it is ready; rejects if it fails or exits first. */
  function spawnChild(env: Record<string, string>): Promise<number> {
    const { entry, execArgv } = dataplaneChildCommand();
    const proc = fork(entry, [], { env, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    child = proc;
    return new Promise<number>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        reject(new Error(`the data plane did not start within ${options.startTimeoutMs ?? 120_000} ms`));
        proc.kill('SIGKILL');
      }, options.startTimeoutMs ?? 120_000);
      proc.on('message', (message: unknown) => {
        if (!isDataplaneChildMessage(message)) return;
        // Before 'ready' the child is not listening yet: its acknowledgements count from then on.
        if (message.type === 'snapshot-applied' && ready) onApplied(message.version);
        else if (message.type === 'metrics-gather') options.worker?.metrics.gatherFor(proc, message.id);
        else if (message.type === 'metrics-text') options.worker?.metrics.collect(options.worker.index, message.id, message.text);
        else if (message.type === 'failed') reject(new Error(message.message));
        else if (message.type === 'ready') {
          ready = true;
          serving = proc;
          clearTimeout(timer);
          if (message.snapshotVersion !== null) onApplied(message.snapshotVersion);
          resolve(message.port);
        }
      });
      proc.on('error', (err) => reject(err));
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (child === proc) child = null;
        if (serving === proc) {
          serving = null;
          applied = -1;
        }
        if (!ready) return reject(new Error(`the data plane exited during start-up (${signal ?? `code ${code}`})`));
        if (closing) return;
        logger.error({ code, signal }, 'the data plane process exited; restarting it');
        scheduleRestart();
      });
    });
  }

  const port = await spawnChild(options.env);
  const restartEnv = { ...options.env, DATAPLANE_PORT: String(port) };

  function scheduleRestart(): void {
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (closing) return;
      spawnChild(restartEnv).then(
        () => {
          restartDelayMs = options.restartDelayMs ?? 500;
          restartFailures = 0;
          logger.info({ port }, 'the data plane process is back');
        },
        (err: unknown) => {
          // uWebSockets.js does not set SO_REUSEADDR: after a crash with connections open the
          // port stays taken until the kernel lets go of them (up to a minute). Keep trying,
          // every 5 s at most (each try is a fresh process), and say so once.
          if (restartFailures++ === 0) {
            logger.error({ reason: (err as Error).message }, 'the data plane process could not restart yet; retrying');
          }
          restartDelayMs = Math.min(restartDelayMs * 2, 5_000);
          // The failed child exits by itself (it reported why first); try again after the pause.
          if (!closing) scheduleRestart();
        },
      );
    }, restartDelayMs);
  }

  function waitForSnapshot(version: number): Promise<void> {
    if (applied >= version) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = {
        version,
        done: () => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        logger.warn({ version, applied }, 'the data plane has not acknowledged the config snapshot yet; answering anyway');
        waiter.done();
      }, ackTimeoutMs);
      waiters.add(waiter);
    });
  }

  const started: DataplaneChild = {
    port,
    pid: () => serving?.pid ?? null,
    serving: () => serving,
    waitForSnapshot,
    async close() {
      closing = true;
      if (restartTimer !== null) clearTimeout(restartTimer);
      for (const waiter of waiters) waiter.done();
      const proc = child;
      if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      const message: DataplaneParentMessage = { type: 'close' };
      if (proc.connected) proc.send(message);
      else proc.kill('SIGTERM');
      const kill = setTimeout(() => {
        logger.warn({ timeoutMs: options.closeTimeoutMs }, 'the data plane did not exit in time; killing it');
        proc.kill('SIGKILL');
      }, options.closeTimeoutMs);
      await exited;
      clearTimeout(kill);
    },
  };
  // Serve nothing older than what the control plane has already published (the demo key works at once).
  await waitForSnapshot(minSnapshotVersion);
  return started;
}
