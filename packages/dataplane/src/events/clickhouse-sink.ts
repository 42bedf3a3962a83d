import { insertErrorName, isPermanentInsertError } from '@proxystacks/shared/events/insert-errors';
import { insertRequestEvents, type ClickHouseInserter } from '@proxystacks/shared/events/insert-request-events';
import { validateRequestEvent } from '@proxystacks/shared/events/request-event';
import { PermanentEventError, type EventSink } from './event-sink.ts';

/**
 * Writes event batches straight into `request_events` (ClickHouse server, or chDB in `relay
 * start`). Each event is checked against its columns' ranges first, as the control plane's
 * ingest does: ClickHouse itself would wrap an out-of-range number instead of refusing it.
 */
export function createClickHouseSink(options: { client: ClickHouseInserter; database: string }): EventSink {
  return {
    async write(batchId, events) {
      events.forEach((event, index) => {
        try {
          validateRequestEvent(event);
        } catch (err) {
          throw new PermanentEventError(`invalid event at index ${index}: ${(err as Error).message}`);
        }
      });
      try {
        await insertRequestEvents(options.client, options.database, batchId, events);
      } catch (err) {
        if (isPermanentInsertError(err)) throw new PermanentEventError(`ClickHouse refused the batch (${insertErrorName(err)})`);
        throw err;
      }
    },
  };
}
