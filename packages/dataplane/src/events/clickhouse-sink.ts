import { insertRequestEvents, type ClickHouseInserter } from '@proxystacks/shared/events/insert-request-events';
import type { EventSink } from './event-sink.ts';

/** Writes event batches straight into `request_events` (ClickHouse server, or chDB in `relay start`). */
export function createClickHouseSink(options: { client: ClickHouseInserter; database: string }): EventSink {
  return {
    write: (batchId, events) => insertRequestEvents(options.client, options.database, batchId, events),
  };
}
