import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { DataplaneParentMessage } from '../embedded/child-messages.ts';
import { mergeWorkerMetrics, type WorkerMetricsText } from './merge-worker-metrics.ts';

/** How long a scrape waits for the other workers' metrics before answering with those it has. */
const GATHER_TIMEOUT_MS = 5_000;

/** A data plane worker process the gatherer may ask for its own metrics. */
export interface ServingWorker {
  index: number;
  proc: ChildProcess;
}

/**
 * The parent's side of a metrics scrape when several data plane processes share one port (the
 * `relay dataplane` supervisor, `relay start` with DATAPLANE_WORKERS > 1): the scraped worker
 * asks ('metrics-gather'), every serving worker is asked for its own text ('metrics-request'),
 * and the merge (merge-worker-metrics.ts) goes back to the one asking ('metrics-gathered'), so
 * a scrape never sees one random worker.
 */
export interface MetricsGatherer {
  /** `asker` was scraped and sent 'metrics-gather' with `askerId`. */
  gatherFor(asker: ChildProcess, askerId: number): void;
  /** Worker `index` answered a 'metrics-request' with its text. */
  collect(index: number, id: number, text: string): void;
}

export function createMetricsGatherer(options: { serving(): ServingWorker[]; logger: Pick<Logger, 'warn'> }): MetricsGatherer {
  const gathers = new Map<number, { parts: WorkerMetricsText[]; expected: number; done: () => void }>();
  let nextGatherId = 0;

  function send(child: ChildProcess, message: DataplaneParentMessage): void {
    if (child.connected) child.send(message);
  }

  return {
    gatherFor(asker, askerId) {
      const live = options.serving().filter((w) => w.proc.connected);
      const id = nextGatherId++;
      const gather = {
        parts: [] as WorkerMetricsText[],
        expected: live.length,
        done: () => {
          clearTimeout(timer);
          gathers.delete(id);
          if (gather.parts.length < live.length) options.logger.warn({ answered: gather.parts.length, workers: live.length }, 'not every data plane worker answered the metrics scrape');
          const parts = [...gather.parts].sort((a, b) => a.worker - b.worker);
          send(asker, { type: 'metrics-gathered', id: askerId, text: parts.length ? mergeWorkerMetrics(parts) : null });
        },
      };
      const timer = setTimeout(gather.done, GATHER_TIMEOUT_MS);
      gathers.set(id, gather);
      for (const { proc } of live) send(proc, { type: 'metrics-request', id });
    },
    collect(index, id, text) {
      const gather = gathers.get(id);
      if (!gather) return;
      gather.parts.push({ worker: index, text });
      if (gather.parts.length === gather.expected) gather.done();
    },
  };
}
