import type { Logger } from 'pino';
import { pickFreePort } from '@proxystacks/dataplane/workers/free-port';
import { createMetricsGatherer } from '@proxystacks/dataplane/workers/metrics-gatherer';
import { startDataplaneChild, type DataplaneChild } from './dataplane-child-process.ts';

/** Options of {@link startDataplaneChildren}. */
export interface DataplaneChildrenOptions {
  /** How many data plane processes (DATAPLANE_WORKERS for `relay start`; 1 by default). */
  count: number;
  host: string;
  /** DATAPLANE_PORT; 0 = any free port (the same one for all of them). */
  port: number;
  /** Process `index`'s environment, listening on `port`. */
  env(index: number, port: number): Record<string, string>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  closeTimeoutMs: number;
}

/** The data plane processes of `relay start`, as one. */
export interface DataplaneChildren {
  readonly port: number;
  /** Process ids of the serving processes, by index (null while one restarts). */
  pids(): Array<number | null>;
  /** Resolves once every process has applied a snapshot of at least `version` (or its ack timeout passed). */
  waitForSnapshot(version: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts `count` data plane child processes (dataplane-child-process.ts: each restarted on its own
 * if it exits) on one port, which uWebSockets.js shares between processes (SO_REUSEPORT), as
 * `relay dataplane` does with its workers: each has its own event log, spool and snapshot copy,
 * a mutation answers once all of them have its snapshot, and a metrics scrape of any of them
 * answers with all of them (each sample labelled `worker`). One process (the default) is
 * exactly the single child `relay start` always ran.
 */
export async function startDataplaneChildren(options: DataplaneChildrenOptions, minSnapshotVersion: number): Promise<DataplaneChildren> {
  const { count, logger } = options;
  /** By index, each once it serves: a scrape while others still start gathers from those ready. */
  const children: Array<DataplaneChild | undefined> = new Array(count).fill(undefined);
  const metrics = createMetricsGatherer({
    serving: () =>
      children.flatMap((child, index) => {
        const proc = child?.serving() ?? null;
        return proc === null ? [] : [{ index, proc }];
      }),
    logger,
  });
  const port = count > 1 && options.port === 0 ? await pickFreePort(options.host) : options.port;
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, index) =>
      startDataplaneChild(
        { env: options.env(index, port), logger, closeTimeoutMs: options.closeTimeoutMs, ...(count > 1 ? { worker: { index, metrics } } : {}) },
        minSnapshotVersion,
      ).then((child) => (children[index] = child)),
    ),
  );
  const close = async () => void (await Promise.all(children.map((child) => child?.close())));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    await close();
    throw failed.reason;
  }
  const all = children as DataplaneChild[];
  return {
    port: all[0]!.port,
    pids: () => all.map((child) => child.pid()),
    waitForSnapshot: async (version) => void (await Promise.all(all.map((child) => child.waitForSnapshot(version)))),
    close,
  };
}
