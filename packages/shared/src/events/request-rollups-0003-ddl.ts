import { assertIdentifier, REQUEST_EVENTS_TABLE } from './request-events-ddl.ts';

/**
 * FROZEN: the rollups of analytics migration 0003, kept only so that migration runs as it
 * shipped (0004 drops these tables; see request-rollups-ddl.ts for the current ones).
 *
 * The request rollups: `request_events` aggregated per minute and per hour by every analytics
 * dimension, maintained by materialized views (each insert into request_events also inserts its
 * aggregate into both rollups), so charts over days read thousands of rows instead of millions.
 *
 * Exact under deduplicated inserts: a retried batch carries the same insert_deduplication_token,
 * request_events drops it, and ClickHouse (26.x: deduplicate_blocks_in_dependent_materialized_views
 * = 1 by default) checks the view's block against the rollup table with a token derived from the
 * source's. That check is only made when the rollup table keeps a deduplication window, exactly
 * like request_events: without `non_replicated_deduplication_window` a retried batch was dropped
 * by request_events and still added to the rollups (verified with chDB 26.7; see the issue-10
 * rollup test). Two different batches that aggregate to identical rollup rows are both kept, as
 * their derived tokens differ.
 */

/** A rollup's time grain. */
export type RollupGrain = 'minute' | 'hour';

/** Rollup table of each grain. */
export const ROLLUP_TABLES: Readonly<Record<RollupGrain, string>> = { minute: 'request_rollup_1m', hour: 'request_rollup_1h' };

/** Length of each grain in milliseconds. */
export const ROLLUP_GRAIN_MS: Readonly<Record<RollupGrain, number>> = { minute: 60_000, hour: 3_600_000 };

/**
 * Dimensions a rollup row is keyed by, beyond its bucket: columns of request_events under the same
 * names, so one WHERE clause (scope and filters) fits the raw table and both rollups.
 */
export const ROLLUP_DIMENSIONS = [
  { name: 'org_id', type: 'LowCardinality(String)' },
  { name: 'team_id', type: 'LowCardinality(String)' },
  { name: 'project_id', type: 'LowCardinality(String)' },
  { name: 'environment_id', type: 'LowCardinality(String)' },
  { name: 'environment', type: 'LowCardinality(String)' },
  { name: 'key_id', type: 'String' },
  { name: 'alias', type: 'LowCardinality(String)' },
  { name: 'provider_id', type: 'LowCardinality(String)' },
  { name: 'upstream_model', type: 'LowCardinality(String)' },
  { name: 'status_code', type: 'UInt16' },
  { name: 'error_code', type: 'LowCardinality(String)' },
] as const;

/**
 * Percentile levels kept in the quantile states. DDSketch (quantilesDD) rather than t-digest:
 * its states merge by adding bucket counts, so the answer does not depend on merge order (the
 * rollups agree with the raw events to the last digit) and every answer is within the stated
 * relative accuracy of a true value, at any percentile; memory is bounded by the value range
 * (about 800 buckets from 1 ms to an hour). quantileTiming clamps at 30 s, which LLM requests
 * exceed; t-digest is order-dependent and gives no per-value bound.
 */
export const QUANTILE_LEVELS = [0.5, 0.95, 0.99] as const;

/** Relative accuracy of the quantile sketches: an answer is within 1 % of a true value at that rank. */
export const QUANTILE_RELATIVE_ACCURACY = 0.01;

/** `quantilesDD(accuracy, levels…)`: the one quantile function of raw queries and rollup states. */
export const QUANTILES_FUNCTION = `quantilesDD(${QUANTILE_RELATIVE_ACCURACY}, ${QUANTILE_LEVELS.join(', ')})`;

/** The merge of a rollup's quantile state column. */
export const QUANTILES_MERGE = `quantilesDDMerge(${QUANTILE_RELATIVE_ACCURACY}, ${QUANTILE_LEVELS.join(', ')})`;

/** Measures of a rollup row: how each is declared, and how the view computes it from events. */
const ROLLUP_MEASURES = [
  { name: 'requests', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'count()' },
  { name: 'errors', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'countIf(status_code >= 400)' },
  { name: 'prompt_tokens', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'sum(prompt_tokens)' },
  { name: 'completion_tokens', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'sum(completion_tokens)' },
  { name: 'cached_tokens', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'sum(cached_tokens)' },
  { name: 'cost_micros', type: 'SimpleAggregateFunction(sum, Int64)', expr: 'sum(cost_micros)' },
  // Saved by the response cache and cheaper fallbacks: 0 until that feature writes a column.
  { name: 'cost_saved_micros', type: 'SimpleAggregateFunction(sum, Int64)', expr: 'toInt64(0)' },
  { name: 'latency_ms_state', type: `AggregateFunction(${QUANTILES_FUNCTION}, UInt32)`, expr: `${stateOf(QUANTILES_FUNCTION)}(latency_ms)` },
  {
    name: 'ttft_ms_state',
    type: `AggregateFunction(${QUANTILES_FUNCTION}, UInt32)`,
    // -StateIf keeps the plain quantilesDD state type; requests without a first token add nothing.
    expr: `${stateOf(QUANTILES_FUNCTION).replace('State', 'StateIf')}(assumeNotNull(ttft_ms), isNotNull(ttft_ms))`,
  },
] as const;

/** Names of the measure columns, in table order. */
export const ROLLUP_MEASURE_NAMES: readonly string[] = ROLLUP_MEASURES.map((m) => m.name);

/** CREATE TABLE of the rollup of `grain`. */
export function rollupTableDDL(database: string, grain: RollupGrain): string {
  assertIdentifier(database);
  const columns = [
    `    bucket DateTime('UTC') COMMENT 'start of the ${grain} (UTC)'`,
    ...ROLLUP_DIMENSIONS.map((d) => `    ${d.name} ${d.type}`),
    ...ROLLUP_MEASURES.map((m) => `    ${m.name} ${m.type}`),
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${database}.${ROLLUP_TABLES[grain]}`,
    '(',
    columns.join(',\n'),
    ')',
    'ENGINE = AggregatingMergeTree',
    // Daily partitions for the minute rollup so its (short) TTL drops whole parts.
    `PARTITION BY ${grain === 'minute' ? 'toYYYYMMDD(bucket)' : 'toYYYYMM(bucket)'}`,
    `ORDER BY (org_id, bucket, ${ROLLUP_DIMENSIONS.slice(1).map((d) => d.name).join(', ')})`,
    // The deduplication window makes a retried batch's view block deduplicate too (see above);
    // ttl_only_drop_parts: expiry drops parts instead of rewriting them.
    'SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1',
  ].join('\n');
}

/** The SELECT aggregating events of `source` (request_events, or a FINAL sub-select) to `grain`. */
function rollupSelect(source: string, grain: RollupGrain, where = ''): string {
  const bucket = grain === 'minute' ? 'toStartOfMinute(toDateTime(ts))' : 'toStartOfHour(toDateTime(ts))';
  const dimensions = ROLLUP_DIMENSIONS.map((d) => d.name).join(', ');
  return [
    `SELECT ${bucket} AS bucket, ${dimensions},`,
    ROLLUP_MEASURES.map((m) => `    ${m.expr} AS ${m.name}`).join(',\n'),
    `FROM ${source}${where}`,
    `GROUP BY bucket, ${dimensions}`,
  ].join('\n');
}

/** Name of the materialized view feeding the rollup of `grain`. */
export function rollupViewName(grain: RollupGrain): string {
  return `${ROLLUP_TABLES[grain]}_mv`;
}

/** CREATE MATERIALIZED VIEW feeding the rollup of `grain` from every insert into request_events. */
export function rollupViewDDL(database: string, grain: RollupGrain): string {
  assertIdentifier(database);
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.${rollupViewName(grain)} TO ${database}.${ROLLUP_TABLES[grain]} AS\n${rollupSelect(`${database}.${REQUEST_EVENTS_TABLE}`, grain)}`;
}

/**
 * INSERT … SELECT filling the rollup of `grain` from the events inserted before `cutoff`
 * (`YYYY-MM-DD hh:mm:ss.sss` UTC, taken just before the views were created: later rows reach the
 * rollups through the views). FINAL: a request whose retry landed in another batch counts once.
 */
export function rollupBackfillSQL(database: string, grain: RollupGrain, cutoff: string): string {
  assertIdentifier(database);
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/.test(cutoff)) throw new Error(`Not an event time: ${cutoff}`);
  return `INSERT INTO ${database}.${ROLLUP_TABLES[grain]}\n${rollupSelect(`${database}.${REQUEST_EVENTS_TABLE} FINAL`, grain, `\nWHERE inserted_at < toDateTime64('${cutoff}', 3, 'UTC')`)}`;
}

/**
 * The bloom filter index on request_id: a request-id lookup reads the granules whose filter may
 * hold the id instead of every granule of the organization (the sort key has no request_id
 * prefix). 1 % false positives, one filter per granule.
 */
export function requestIdIndexDDL(database: string): string[] {
  assertIdentifier(database);
  return [
    `ALTER TABLE ${database}.${REQUEST_EVENTS_TABLE} ADD INDEX IF NOT EXISTS request_id_bloom request_id TYPE bloom_filter(0.01) GRANULARITY 1`,
    // Builds it for parts written before the index existed (new parts get it on insert).
    `ALTER TABLE ${database}.${REQUEST_EVENTS_TABLE} MATERIALIZE INDEX request_id_bloom`,
  ];
}

function stateOf(fn: string): string {
  return fn.replace(/^(\w+)\(/, '$1State(');
}
