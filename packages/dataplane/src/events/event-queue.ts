import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import type { EventSink } from './event-sink.ts';

export interface EventQueueOptions {
  sink: EventSink;
  /** A batch is sent as soon as this many events wait… */
  batchSize: number;
  /** …or this long after the first of them arrived. */
  flushIntervalMs: number;
  /** Events held in memory at most; beyond it new events are dropped and counted. */
  maxQueued: number;
  logger: Pick<Logger, 'warn' | 'error' | 'info'>;
  /** Backoff between retries of a failed batch (doubles up to 30 s). */
  retryBaseMs?: number;
}

export interface EventQueueStats {
  queued: number;
  written: number;
  dropped: number;
  failedWrites: number;
}

export interface EventQueue {
  /** Takes an event; never blocks and never throws (the request that made it is already answered). */
  push(event: RequestEvent): void;
  /** Sends what is queued now and waits for it. */
  flush(): Promise<void>;
  stats(): EventQueueStats;
  /** Stops the timer and drains the queue (a few retries, then what remains is reported lost). */
  close(): Promise<void>;
}

/**
 * The bounded in-memory queue between requests and the event store. Requests push and move on;
 * one writer sends batches in order. A failed batch keeps its id and is retried with backoff,
 * so the store's deduplication makes a retry after a lost acknowledgement harmless. When the
 * store stays down long enough to fill the queue, new events are dropped, counted in stats()
 * and logged as errors: a visible alarm, not a silent loss. (A disk spool that survives a long
 * outage comes with the ledger work.)
 */
export function createEventQueue(options: EventQueueOptions): EventQueue {
  const queue: RequestEvent[] = [];
  const stats: EventQueueStats = { queued: 0, written: 0, dropped: 0, failedWrites: 0 };
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> | null = null;
  let closed = false;
  let lastDropLog = 0;
  /** Retries per batch; infinite while running, a few once closing so shutdown ends. */
  let retryLimit = Number.POSITIVE_INFINITY;
  const retryBaseMs = options.retryBaseMs ?? 200;

  function schedule(): void {
    if (timer !== null || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void drain().catch(() => undefined);
    }, options.flushIntervalMs);
    timer.unref();
  }

  /** Writes batches in order until the queue is empty; one writer at a time. */
  function drain(): Promise<void> {
    if (writing !== null) return writing;
    writing = (async () => {
      while (queue.length > 0) {
        const batch = queue.slice(0, options.batchSize);
        const batchId = randomUUID();
        let attempt = 0;
        for (;;) {
          try {
            await options.sink.write(batchId, batch);
            break;
          } catch (err) {
            stats.failedWrites++;
            attempt++;
            if (attempt > retryLimit) throw err;
            const delay = Math.min(retryBaseMs * 2 ** (attempt - 1), 30_000);
            options.logger.warn({ batchId, events: batch.length, attempt, retryInMs: delay, reason: (err as Error).message }, 'event batch write failed');
            await new Promise((resolve) => setTimeout(resolve, delay));
          }
        }
        queue.splice(0, batch.length);
        stats.written += batch.length;
      }
    })().finally(() => {
      writing = null;
      stats.queued = queue.length;
      if (queue.length > 0) schedule();
    });
    return writing;
  }

  return {
    push(event) {
      if (queue.length >= options.maxQueued) {
        stats.dropped++;
        const now = Date.now();
        if (now - lastDropLog > 5_000) {
          lastDropLog = now;
          options.logger.error({ dropped: stats.dropped, maxQueued: options.maxQueued }, 'event queue full: dropping request events');
        }
        return;
      }
      queue.push(event);
      stats.queued = queue.length;
      if (queue.length >= options.batchSize && writing === null) void drain().catch(() => undefined);
      else schedule();
    },
    flush: () => drain(),
    stats: () => ({ ...stats, queued: queue.length }),
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      retryLimit = 3;
      try {
        await drain();
      } catch (err) {
        options.logger.error({ lost: queue.length, reason: (err as Error).message }, 'could not write the last request events at shutdown');
      }
    },
  };
}
