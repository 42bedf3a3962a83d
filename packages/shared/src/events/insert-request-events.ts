import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { REQUEST_EVENTS_TABLE, REQUEST_EVENT_INSERT_COLUMNS, assertIdentifier } from './request-events-ddl.ts';
import type { RequestEvent } from './request-event.ts';

/**
 * The part of `@clickhouse/client`'s ClickHouseClient this module uses. Structural, so shared
 * does not depend on the client package, and both planes pass their real client (server or
 * chDB connection). `exec` with `values` sends the pre-encoded rows as the request body as they
 * are: `insert` would serialise every row again.
 */
export interface ClickHouseInserter {
  exec(params: { query: string; values: Readable; clickhouse_settings: Record<string, string | number> }): Promise<{ stream: Readable }>;
  /**
   * chDB only (its connection's `chdb.rawInsert`): the rows' bytes go to the engine as they
   * are. `exec` on chDB decodes the body into a string and appends it to the SQL text, so the
   * engine copies and scans it once more as part of the query; this saves ~5 ms of CPU per
   * 1,000 events (measured with 10,000-event batches).
   */
  rawInsert?(params: RawRowsInsert): Promise<unknown>;
}

/** What {@link ClickHouseInserter.rawInsert} takes (chdb's RawInsertParams, the part used here). */
export interface RawRowsInsert {
  table: string;
  columns: readonly string[];
  values: Buffer;
  format: 'JSONCompactEachRow';
  settings: Record<string, string | number>;
}

/**
 * A batch serialised once for ClickHouse: one JSONCompactEachRow line per event (the values in
 * insert column order, no keys: about half the bytes of JSONEachRow, and ClickHouse parses it
 * faster), and the SHA-256 of those lines, which is the batch's content hash for deduplication.
 */
export interface EncodedRequestEvents {
  readonly body: Buffer;
  readonly hash: string;
  readonly count: number;
}

/** Column names in insert order, for the hot loop (no per-event lookups of the column specs). */
const INSERT_COLUMNS = REQUEST_EVENT_INSERT_COLUMNS;
const INSERT_SQL_COLUMNS = INSERT_COLUMNS.join(', ');

/**
 * Encodes validated events as JSONCompactEachRow rows. The hash is over the same bytes, and
 * equals what this module hashed before the compact format (each row's JSON array + '\n'), so a
 * batch inserted by an older control plane and retried against a newer one still deduplicates.
 * A named tuple (`attempt_log` items) is a JSON object in the compact format too: ClickHouse's
 * input_format_json_named_tuples_as_objects, on by default.
 */
export function encodeRequestEvents(events: readonly RequestEvent[]): EncodedRequestEvents {
  const encoder = createRequestEventsEncoder(events.length);
  for (const event of events) encoder.add(event);
  return encoder.finish();
}

/** Encodes a batch one event at a time (see {@link createRequestEventsEncoder}). */
export interface RequestEventsEncoder {
  add(event: RequestEvent): void;
  /** The batch so far, encoded and hashed; the encoder is not used after it. */
  finish(): EncodedRequestEvents;
}

/**
 * {@link encodeRequestEvents} one event at a time, so a caller that reads a batch event by event
 * (the control plane's ingest) can let each event object go once it is encoded: holding a whole
 * 10,000-event batch as objects until the insert answers made every one survive into V8's old
 * generation. `expected` sizes the first buffer.
 */
export function createRequestEventsEncoder(expected = 0): RequestEventsEncoder {
  // Each row is encoded into one growing Buffer as it is made: building one long string and
  // encoding it at the end cost a third more (10,000-event batches, the ingest's hot loop).
  let body = Buffer.allocUnsafe(Math.max(4096, expected * 600));
  let length = 0;
  let count = 0;
  const row: unknown[] = new Array(INSERT_COLUMNS.length);
  return {
    add(event) {
      const record = event as unknown as Record<string, unknown>;
      for (let i = 0; i < INSERT_COLUMNS.length; i++) row[i] = record[INSERT_COLUMNS[i]!];
      const line = JSON.stringify(row);
      // At most 3 bytes of UTF-8 per UTF-16 unit, and the newline.
      if (length + line.length * 3 + 1 > body.length) {
        const grown = Buffer.allocUnsafe(Math.max(body.length * 2, length + line.length * 3 + 1));
        body.copy(grown, 0, 0, length);
        body = grown;
      }
      length += body.write(line, length);
      body[length++] = 0x0a;
      count++;
    },
    finish() {
      // The scratch row still points at the last event's values: let them go with the batch.
      row.fill(undefined);
      const bytes = body.subarray(0, length);
      return { body: bytes, hash: createHash('sha256').update(bytes).digest('hex'), count };
    },
  };
}

/**
 * Inserts one batch of request events in one statement. The insert_deduplication_token is the
 * batch id plus a hash of the batch's content: a batch retried after a timeout (written once,
 * answer lost) is not written twice, while a reused batch id with different events is inserted
 * rather than silently taken for a retry and dropped (ClickHouse deduplicates on the token
 * alone). The table sets non_replicated_deduplication_window so the token is honoured on a plain
 * MergeTree. Both the data plane's ClickHouse sink and the control plane's ingest endpoint call
 * this; pass the batch already encoded when its hash was needed first (the ingest's batch-id check).
 *
 * Batch size is what keeps ClickHouse cheap: every insert writes one part to request_events and
 * one to each rollup its materialized views feed, and merges them later, so the cost per insert
 * is nearly fixed (measured with chDB: ~0.2 s of CPU for 500 events, ~0.6 s for 20,000; see
 * packages/controlplane/bench/results/event-ingest.md). The data plane sends EVENT_BATCH_SIZE
 * events a batch (10,000 by default) and the ingest inserts each batch as one statement.
 */
export async function insertRequestEvents(
  client: ClickHouseInserter,
  database: string,
  batchId: string,
  events: readonly RequestEvent[] | EncodedRequestEvents,
): Promise<void> {
  const encoded = 'body' in events ? events : encodeRequestEvents(events);
  if (encoded.count === 0) return;
  assertIdentifier(database);
  const settings = {
    insert_deduplication_token: `${batchId}:${encoded.hash}`,
    // Synchronous inserts: an async insert acknowledged with wait_for_async_insert=0 can be lost.
    async_insert: 0,
    // No merge pass over each new block (request_events' and every rollup view's): readers
    // already collapse what merges have not (FINAL or per-request aggregation on request_events,
    // -Merge combinators on the rollups), and the rollup views' GROUP BY leaves nothing to merge.
    // chDB, 9,000-event batches, 3 rounds: the insert's query thread 11-15 -> 8 ms per 1,000 events.
    optimize_on_insert: 0,
  };
  if (client.rawInsert !== undefined) {
    const table = `${database}.${REQUEST_EVENTS_TABLE}`;
    await client.rawInsert({ table, columns: INSERT_COLUMNS, values: encoded.body, format: 'JSONCompactEachRow', settings });
    return;
  }
  const result = await client.exec({
    query: `INSERT INTO ${database}.${REQUEST_EVENTS_TABLE} (${INSERT_SQL_COLUMNS}) FORMAT JSONCompactEachRow`,
    values: Readable.from([encoded.body], { objectMode: false }),
    clickhouse_settings: settings,
  });
  // The answer is empty; reading it to the end frees the connection (a server's HTTP socket).
  for await (const _chunk of result.stream) void _chunk;
}

/**
 * SHA-256 (hex) of a batch's values in column order: equal for a batch and its retry, also
 * after a round trip through the disk spool (key order of the parsed objects does not matter).
 */
export function requestEventsHash(events: readonly RequestEvent[]): string {
  return encodeRequestEvents(events).hash;
}
