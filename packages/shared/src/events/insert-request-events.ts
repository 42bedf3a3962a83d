import { createHash } from 'node:crypto';
import { REQUEST_EVENTS_TABLE, REQUEST_EVENT_COLUMNS, REQUEST_EVENT_INSERT_COLUMNS, assertIdentifier } from './request-events-ddl.ts';
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
 * Inserts one batch of request events. The insert_deduplication_token is the batch id plus a
 * hash of the batch's content: a batch retried after a timeout (written once, answer lost) is
 * not written twice, while a reused batch id with different events is inserted rather than
 * silently taken for a retry and dropped (ClickHouse deduplicates on the token alone). The
 * table sets non_replicated_deduplication_window so the token is honoured on a plain MergeTree.
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
      insert_deduplication_token: `${batchId}:${requestEventsHash(events)}`,
      // Synchronous inserts: an async insert acknowledged with wait_for_async_insert=0 can be lost.
      async_insert: 0,
    },
  });
}

/**
 * SHA-256 (hex) of a batch's values in column order: equal for a batch and its retry, also
 * after a round trip through the disk spool (key order of the parsed objects does not matter).
 */
export function requestEventsHash(events: readonly RequestEvent[]): string {
  const hash = createHash('sha256');
  for (const event of events) {
    const row = event as unknown as Record<string, unknown>;
    hash.update(JSON.stringify(REQUEST_EVENT_COLUMNS.map((c) => row[c.name])));
    hash.update('\n');
  }
  return hash.digest('hex');
}
