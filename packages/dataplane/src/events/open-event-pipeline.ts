import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DataplaneConfig } from '../config.ts';
import { createDiskErrors } from './disk-errors.ts';
import { createEventQueue, type EventQueue } from './event-queue.ts';
import { openEventLog } from './event-log.ts';
import type { EventSink } from './event-sink.ts';
import { openEventSpool } from './event-spool.ts';

/** The data plane's event path, ready for requests. */
export interface EventPipeline {
  events: EventQueue;
  /** Drains the queue (what the sink will not take stays in the log or the spool), then releases both. */
  close(): Promise<void>;
}

/**
 * Opens the event log (`<dataDir>/event-log`, replayed into the queue), the spool
 * (`<dataDir>/event-spool`) and the queue in front of `sink`. The same composition serves
 * `relay dataplane` (sink: ClickHouse or the control plane's ingest) and `relay start`
 * (sink: the embedded chDB), so both are crash-safe the same way.
 */
export async function openEventPipeline(options: { config: DataplaneConfig; sink: EventSink; logger: Logger }): Promise<EventPipeline> {
  const { config, logger } = options;
  const diskErrors = createDiskErrors(logger);
  const spool = await openEventSpool({ dir: join(config.dataDir, 'event-spool'), maxBytes: config.eventSpoolMaxBytes, logger });
  const log = await openEventLog({ dir: join(config.dataDir, 'event-log'), fsyncIntervalMs: config.eventLogFsyncMs, diskErrors, logger }).catch(async (err: unknown) => {
    await spool.close();
    throw err;
  });
  const events = createEventQueue({
    sink: options.sink,
    batchSize: config.eventBatchSize,
    flushIntervalMs: config.eventFlushIntervalMs,
    maxQueued: config.eventQueueMax,
    spool,
    log,
    diskErrors,
    logger,
  });
  return {
    events,
    async close() {
      await events.close();
      await log.close();
      await spool.close();
    },
  };
}
