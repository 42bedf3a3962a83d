import { REQUEST_EVENTS_TABLE, REQUEST_EVENT_INSERT_COLUMNS, assertIdentifier } from './request-events-ddl.ts';
import type { RequestEvent } from './request-event.ts';

/**
 * The part of `@clickhouse/client`'s ClickHouseClient this module uses. Structural, so shared
 * does not depend on the client package, and both planes pass their real client.
 */
export interface ClickHouseInserter {
  insert(params: {
    table: string;
    values: readonly RequestEvent[];
    format: 'JSONEachRow';
    columns: [string, ...string[]];
    clickhouse_settings: Record<string, string | number>;
  }): Promise<unknown>;
}

/**
 * Inserts one batch of request events. `batchId` is the insert_deduplication_token: a batch
 * retried after a timeout (written once, answer lost) is not written twice. The table sets
 * non_replicated_deduplication_window so the token is honoured on a plain MergeTree.
 * Both the data plane's ClickHouse sink and the control plane's ingest endpoint call this.
 */
export async function insertRequestEvents(
  client: ClickHouseInserter,
  database: string,
  batchId: string,
  events: readonly RequestEvent[],
): Promise<void> {
  if (events.length === 0) return;
  assertIdentifier(database);
  await client.insert({
    table: `${database}.${REQUEST_EVENTS_TABLE}`,
    values: events,
    format: 'JSONEachRow',
    columns: REQUEST_EVENT_INSERT_COLUMNS as [string, ...string[]],
    clickhouse_settings: {
      insert_deduplication_token: batchId,
      // Synchronous inserts: an async insert acknowledged with wait_for_async_insert=0 can be lost.
      async_insert: 0,
    },
  });
}
