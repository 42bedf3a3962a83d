import { EVENT_ATTEMPT_FIELDS, EVENT_ATTEMPTS_TYPE, MAX_EVENT_ATTEMPTS, type EventAttempt } from './event-attempts.ts';

/**
 * The one column list of the `request_events` ClickHouse table. The CREATE TABLE statement, the
 * insert column order, the TypeScript row type and its validator are all derived from it, so
 * they cannot drift apart (PostHog keeps its event table the same way).
 */

/** How a column's value looks in TypeScript. */
type ColumnKind = 'string' | 'uint' | 'int64' | 'bool' | 'datetime' | 'nullable_uint' | 'attempts';

interface ColumnKindTs {
  string: string;
  uint: number;
  /** Int64 money: a safe integer in TS; ClickHouse answers it as a JSON string, chDB as a number. */
  int64: number;
  bool: boolean;
  /** `YYYY-MM-DD hh:mm:ss.sss` in UTC (see formatEventTime). */
  datetime: string;
  nullable_uint: number | null;
  /** `attempt_log` (event-attempts.ts). */
  attempts: EventAttempt[];
}

interface ColumnSpec {
  readonly name: string;
  readonly type: string;
  readonly kind: ColumnKind;
  readonly doc: string;
  /** Longest accepted string, in UTF-16 code units (String columns; default STRING_MAX_LENGTH). */
  readonly maxLength?: number;
  /** The only values a LowCardinality(String) enum-like column takes. */
  readonly values?: readonly string[];
  /** Array(Tuple(...)) columns: the tuple's elements (each a column-like spec) and the most items taken. */
  readonly items?: readonly { readonly name: string; readonly type: string; readonly maxLength?: number }[];
  readonly maxItems?: number;
  /**
   * What an event without this column stands for: an event of a data plane older than the
   * column (its disk spool, its ingest batches) still validates. Columns without it are required.
   */
  readonly absent?: number | boolean | readonly never[];
}

/** Longest string a column takes unless it says otherwise: bounds what a sender may store. */
export const STRING_MAX_LENGTH = 4096;

export const REQUEST_EVENT_COLUMNS = [
  { name: 'event_version', type: 'UInt16', kind: 'uint', doc: 'EVENT_VERSION of the writer' },
  { name: 'request_id', type: 'String', kind: 'string', maxLength: 128, doc: 'x-request-id returned to the client' },
  { name: 'ts', type: "DateTime64(3, 'UTC')", kind: 'datetime', doc: 'when the request arrived' },
  { name: 'org_id', type: 'LowCardinality(String)', kind: 'string', maxLength: 128, doc: 'tenant; leads the sort key' },
  { name: 'project_id', type: 'LowCardinality(String)', kind: 'string', maxLength: 128, doc: "project of the key; '' when no key was recognised" },
  { name: 'team_id', type: 'LowCardinality(String)', kind: 'string', maxLength: 128, doc: "owning team of the key; '' when unauthenticated" },
  { name: 'key_id', type: 'String', kind: 'string', maxLength: 128, doc: "API key id (never the secret); '' when unauthenticated" },
  { name: 'alias', type: 'LowCardinality(String)', kind: 'string', maxLength: 256, doc: 'model name the client asked for' },
  { name: 'provider_id', type: 'LowCardinality(String)', kind: 'string', maxLength: 128, doc: 'provider of the final attempt' },
  { name: 'provider_type', type: 'LowCardinality(String)', kind: 'string', maxLength: 64, doc: 'openai, gemini, mock, …' },
  { name: 'upstream_model', type: 'LowCardinality(String)', kind: 'string', maxLength: 512, doc: 'model name sent upstream' },
  { name: 'status_code', type: 'UInt16', kind: 'uint', doc: 'HTTP status sent to the client' },
  { name: 'error_code', type: 'LowCardinality(String)', kind: 'string', maxLength: 64, doc: "Relay error code; '' on success" },
  { name: 'upstream_error_code', type: 'String', kind: 'string', maxLength: 100, doc: "provider's own error code, for operators only" },
  { name: 'attempts', type: 'UInt8', kind: 'uint', doc: 'upstream attempts made (fallbacks + 1)' },
  { name: 'prompt_tokens', type: 'UInt32', kind: 'uint', doc: 'input tokens' },
  { name: 'completion_tokens', type: 'UInt32', kind: 'uint', doc: 'output tokens' },
  { name: 'cached_tokens', type: 'UInt32', kind: 'uint', doc: 'input tokens served from cache (subset of prompt_tokens)' },
  { name: 'usage_source', type: 'LowCardinality(String)', kind: 'string', values: ['provider', 'estimate', 'none'], doc: 'provider | estimate | none' },
  { name: 'cost_micros', type: 'Int64', kind: 'int64', doc: 'price of the request in micro-units' },
  { name: 'pricing_rule_id', type: 'String', kind: 'string', maxLength: 128, doc: "rule that priced it; '' if unpriced" },
  { name: 'pricing_rule_version', type: 'UInt32', kind: 'uint', doc: 'version of that rule' },
  { name: 'snapshot_version', type: 'UInt64', kind: 'uint', doc: 'config snapshot the data plane decided with' },
  { name: 'latency_ms', type: 'UInt32', kind: 'uint', doc: 'arrival to last byte sent' },
  { name: 'ttft_ms', type: 'Nullable(UInt32)', kind: 'nullable_uint', doc: 'arrival to first content token; null if none' },
  { name: 'streamed', type: 'Bool', kind: 'bool', doc: 'client asked for stream: true' },
  { name: 'stream_end', type: 'LowCardinality(String)', kind: 'string', values: ['done', 'error', 'client_abort', ''], doc: "done | error | client_abort; '' when not streamed" },
  { name: 'finish_reason', type: 'LowCardinality(String)', kind: 'string', maxLength: 64, doc: "stop, length, tool_calls, …; '' if none" },
  { name: 'dataplane_id', type: 'LowCardinality(String)', kind: 'string', maxLength: 256, doc: 'data plane process that served it' },
  // Added by analytics migration 0002 (issue 7): tenancy below the team, and refused keys.
  { name: 'environment_id', type: 'LowCardinality(String)', kind: 'string', maxLength: 128, doc: "project environment of the key; '' when no key was recognised" },
  { name: 'environment', type: 'LowCardinality(String)', kind: 'string', maxLength: 64, doc: "that environment's name (production, staging, …)" },
  { name: 'key_prefix', type: 'String', kind: 'string', maxLength: 64, doc: "displayable start of the presented key, also for refused ones; '' when none was sent" },
  { name: 'key_hash_id', type: 'String', kind: 'string', maxLength: 64, doc: "first 16 hex digits of the presented key's HMAC: traces an unknown key without storing it" },
  // Added by analytics migration 0005 (issue 9): what the response cache and cheaper fallbacks saved.
  { name: 'cost_saved_micros', type: 'UInt64', kind: 'uint', absent: 0, doc: 'cache hit: what the cached answer cost; fallback: primary price minus actual, when lower' },
  { name: 'cache_hit', type: 'Bool', kind: 'bool', absent: false, doc: 'answered from the response cache (cost_micros 0)' },
  // Added by analytics migration 0006 (issues 9 and 10): every upstream attempt, in order.
  {
    name: 'attempt_log', type: EVENT_ATTEMPTS_TYPE, kind: 'attempts', items: EVENT_ATTEMPT_FIELDS, maxItems: MAX_EVENT_ATTEMPTS, absent: [],
    doc: 'every upstream attempt in order (deployment, provider, upstream model, status, latency, error code); [] in events from before 0006',
  },
  // Added by analytics migration 0008: prompt-cache writes, which Anthropic bills above input.
  { name: 'cache_write_tokens', type: 'UInt32', kind: 'uint', absent: 0, doc: 'input tokens written to the provider prompt cache (subset of prompt_tokens, disjoint from cached_tokens); 0 before 0008' },
] as const satisfies readonly ColumnSpec[];

/** Columns added after the table's first version, in the order migration 0002 adds them. */
export const REQUEST_EVENT_COLUMNS_ADDED_IN_0002 = ['environment_id', 'environment', 'key_prefix', 'key_hash_id'] as const;

/** Columns added by migration 0005, which events from older writers may lack (their defaults: 0, false). */
export const REQUEST_EVENT_COLUMNS_ADDED_IN_0005 = ['cost_saved_micros', 'cache_hit'] as const;
/** The column migration 0006 adds (an Array defaults to [] for the rows already stored). */
export const REQUEST_EVENT_COLUMNS_ADDED_IN_0006 = ['attempt_log'] as const;
/** The column migration 0008 adds (rows already stored read 0: no cache writes known). */
export const REQUEST_EVENT_COLUMNS_ADDED_IN_0008 = ['cache_write_tokens'] as const;

type Columns = typeof REQUEST_EVENT_COLUMNS;

/** One row of `request_events`, exactly as inserted (snake_case, JSONEachRow). */
export type RequestEventRow = {
  -readonly [C in Columns[number] as C['name']]: ColumnKindTs[C['kind']];
};

/** Name of the events table. */
export const REQUEST_EVENTS_TABLE = 'request_events';

/** Column names in insert order. */
export const REQUEST_EVENT_INSERT_COLUMNS: readonly string[] = REQUEST_EVENT_COLUMNS.map((c) => c.name);

/**
 * CREATE TABLE for `request_events` in `database`.
 * - ReplacingMergeTree(inserted_at): a retried batch collapses to one row per request once parts
 *   merge; spend queries use FINAL (or aggregate per request_id) until then.
 * - non_replicated_deduplication_window: without it `insert_deduplication_token` is ignored on a
 *   plain MergeTree and a retried batch doubles (verified with chDB, see ARCHITECTURE.md).
 * - Sort key led by the tenant, so every query bound to an org reads only its own granules.
 */
export function requestEventsDDL(database: string): string {
  assertIdentifier(database);
  const columns = REQUEST_EVENT_COLUMNS.map((c) => `    ${c.name} ${c.type} COMMENT '${c.doc.replaceAll("'", "\\'")}'`);
  columns.push(`    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'when the row was written'`);
  return [
    `CREATE TABLE IF NOT EXISTS ${database}.${REQUEST_EVENTS_TABLE}`,
    '(',
    columns.join(',\n'),
    ')',
    'ENGINE = ReplacingMergeTree(inserted_at)',
    'PARTITION BY toYYYYMM(ts)',
    'ORDER BY (org_id, project_id, toDate(ts), request_id)',
    'SETTINGS non_replicated_deduplication_window = 10000',
  ].join('\n');
}

/**
 * ALTER statements adding `names` (columns of REQUEST_EVENT_COLUMNS) to an existing table;
 * idempotent (IF NOT EXISTS), so a migration that stopped half-way re-runs cleanly.
 */
export function requestEventsAddColumns(database: string, names: readonly string[]): string[] {
  assertIdentifier(database);
  return names.map((name) => {
    const column = REQUEST_EVENT_COLUMNS.find((c) => c.name === name);
    if (!column) throw new Error(`Not a request_events column: ${name}`);
    const fallback = column.kind === 'string' ? " DEFAULT ''" : column.kind === 'bool' ? ' DEFAULT false' : column.kind === 'uint' ? ' DEFAULT 0' : '';
    return `ALTER TABLE ${database}.${REQUEST_EVENTS_TABLE} ADD COLUMN IF NOT EXISTS ${column.name} ${column.type}${fallback} COMMENT '${column.doc.replaceAll("'", "\\'")}'`;
  });
}

/** The second formatEventTime last formatted, and its `YYYY-MM-DD hh:mm:ss.` text. */
let cachedSecond = Number.NaN;
let cachedSecondText = '';

/**
 * Formats epoch milliseconds the way a DateTime64(3, 'UTC') column takes and returns it
 * (`YYYY-MM-DD hh:mm:ss.sss`, UTC). Called once per request: the date and time of day are
 * formatted once per second and reused (a Date and its ISO string per event cost ~9 µs in the
 * data plane's profile); only the milliseconds are added per call.
 */
export function formatEventTime(epochMs: number): string {
  const ms = Math.floor(epochMs);
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    // Throws RangeError for a time a Date cannot hold, as toISOString always did.
    cachedSecondText = new Date(second * 1000).toISOString().replace('T', ' ').slice(0, 20);
    cachedSecond = second;
  }
  const fraction = ms - second * 1000;
  return `${cachedSecondText}${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}`;
}

/** The instant an event time (`formatEventTime`'s `YYYY-MM-DD HH:MM:SS.mmm`, UTC) stands for. */
export function parseEventTime(ts: string): Date {
  return new Date(`${ts.replace(' ', 'T')}Z`);
}

/** ClickHouse database and table names we generate must be plain identifiers (no quoting games). */
export function assertIdentifier(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`Not a valid ClickHouse identifier: ${name}`);
}
