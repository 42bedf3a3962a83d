import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import type { EventSink } from './event-sink.ts';
import type { EventSpool } from './event-spool.ts';

export interface EventQueueOptions {
  sink: EventSink;
  /** A batch is sent as soon as this many events wait… */
  batchSize: number;
  /** …or this long after the first of them arrived. */
  flushIntervalMs: number;
  /** Events held in memory at most; beyond it new events are dropped and counted. */
  maxQueued: number;
  logger: Pick<Logger, 'warn' | 'error' | 'info'>;
  /** Where batches go when the sink keeps failing; null = memory only. */
  spool?: EventSpool | null;
  /** Failed attempts after which a batch moves to the spool (default 3). */
  spoolAfterFailures?: number;
  /** Backoff between retries of a failed batch (doubles up to 30 s). */
  retryBaseMs?: number;
}

export interface EventQueueStats {
  queued: number;
  written: number;
  /** Events moved to the disk spool, in total. */
  spooled: number;
  /** Spooled events later written to the sink. */
  replayed: number;
  dropped: number;
  failedWrites: number;
  spoolBatches: number;
  spoolBytes: number;
}

export interface EventQueue {
  /** Takes an event; never blocks and never throws (the request that made it is already answered). */
  push(event: RequestEvent): void;
  /** Sends what is queued (and what is spooled, if the sink takes it) and waits for it. */
  flush(): Promise<void>;
  stats(): EventQueueStats;
  /** Stops the timer and drains the queue; what the sink will not take goes to the spool. */
  close(): Promise<void>;
}

/**
 * The bounded in-memory queue between requests and the event store. Requests push and move on;
 * one writer sends batches in order. A failed batch keeps its id and is retried with backoff,
 * so the store's deduplication makes a retry after a lost acknowledgement harmless. A batch
 * that keeps failing moves to the disk spool (memory stays bounded, events survive a restart)
 * and is replayed, oldest first and under the same id, once the store answers again. Only when
 * the queue and the spool are both full are events dropped: counted in stats() and logged as
 * errors, a visible alarm rather than a silent loss.
 */
export function createEventQueue(options: EventQueueOptions): EventQueue {
  const queue: RequestEvent[] = [];
  const stats = { written: 0, spooled: 0, replayed: 0, dropped: 0, failedWrites: 0 };
  const spool = options.spool ?? null;
  const spoolAfter = options.spoolAfterFailures ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 200;
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> | null = null;
  let closed = false;
  /** Retries per batch before giving up: unbounded while running, a few once closing. */
  let retryLimit = Number.POSITIVE_INFINITY;
  const lastLog = { drop: 0, spoolFull: 0, replay: 0 };

  function schedule(): void {
    if (timer !== null || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void drain().catch(() => undefined);
    }, options.flushIntervalMs);
    timer.unref();
  }

  function logRarely(kind: keyof typeof lastLog, log: () => void): void {
    const now = Date.now();
    if (now - lastLog[kind] < 5_000) return;
    lastLog[kind] = now;
    log();
  }

  /** Sends one batch, retrying; moves it to the spool after `spoolAfter` failures. */
  async function send(batch: RequestEvent[]): Promise<void> {
    const batchId = randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        await options.sink.write(batchId, batch);
        stats.written += batch.length;
        return;
      } catch (err) {
        stats.failedWrites++;
        if (spool !== null && attempt >= spoolAfter) {
          if (await spool.put({ batchId, events: batch }).catch(() => false)) {
            stats.spooled += batch.length;
            options.logger.warn({ batchId, events: batch.length, reason: (err as Error).message }, 'event store unreachable: batch spooled to disk');
            return;
          }
          logRarely('spoolFull', () => options.logger.error({ spool: spool.usage() }, 'event spool full: keeping events in memory'));
        }
        if (attempt > retryLimit) throw err;
        const delay = Math.min(retryBaseMs * 2 ** (attempt - 1), 30_000);
        options.logger.warn({ batchId, events: batch.length, attempt, retryInMs: delay, reason: (err as Error).message }, 'event batch write failed');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Writes spooled batches back, oldest first, until the spool is empty or the sink fails. */
  async function replaySpool(): Promise<void> {
    if (spool === null) return;
    for (let batch = await spool.oldest(); batch !== null; batch = await spool.oldest()) {
      await options.sink.write(batch.batchId, batch.events);
      await spool.remove(batch.batchId);
      stats.replayed += batch.events.length;
    }
  }

  /** The single writer: the in-memory queue first (fresh events), then the spool backlog. */
  function drain(): Promise<void> {
    if (writing !== null) return writing;
    writing = (async () => {
      while (queue.length > 0) {
        const batch = queue.slice(0, options.batchSize);
        await send(batch);
        queue.splice(0, batch.length);
      }
      if (spool !== null && spool.usage().batches > 0) {
        await replaySpool().catch((err: unknown) => {
          failed(err);
          throw err;
        });
      }
    })().finally(() => {
      writing = null;
      if (queue.length > 0 || (spool?.usage().batches ?? 0) > 0) schedule();
    });
    return writing;
  }

  function failed(err: unknown): void {
    stats.failedWrites++;
    logRarely('replay', () => options.logger.warn({ reason: (err as Error).message, spool: spool?.usage() }, 'spooled events not replayed yet'));
  }

  // Batches spooled by an earlier run are replayed as soon as the store answers.
  if (spool !== null && spool.usage().batches > 0) schedule();

  return {
    push(event) {
      if (queue.length >= options.maxQueued) {
        stats.dropped++;
        logRarely('drop', () => options.logger.error({ dropped: stats.dropped, maxQueued: options.maxQueued }, 'event queue full: dropping request events'));
        return;
      }
      queue.push(event);
      if (queue.length >= options.batchSize && writing === null) void drain().catch(() => undefined);
      else schedule();
    },
    flush: () => drain(),
    stats: () => ({ ...stats, queued: queue.length, spoolBatches: spool?.usage().batches ?? 0, spoolBytes: spool?.usage().bytes ?? 0 }),
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      retryLimit = 3;
      try {
        await drain();
      } catch (err) {
        const lost = queue.length;
        if (lost > 0) options.logger.error({ lost, reason: (err as Error).message }, 'could not write or spool the last request events at shutdown');
      }
    },
  };
}
