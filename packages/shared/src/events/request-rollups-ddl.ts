import { assertIdentifier, REQUEST_EVENTS_TABLE } from './request-events-ddl.ts';

/**
 * The request rollups (analytics migration 0004): `request_events` aggregated per minute and per
 * hour, maintained by materialized views (each insert into request_events also inserts its
 * aggregate into every rollup), in three widths so a query reads the narrowest table that has
 * the columns it needs (issue 10's benchmark: one rollup keyed by every dimension had as many rows
 * as the raw table at realistic cardinalities, because keys × models × statuses per hour outnumber
 * the requests of that hour):
 * - `org`: by model, provider and outcome only: the organisation's overview, series and top models.
 * - `team`: also by team, project and environment: team-scoped viewers and those filters/groups.
 * - `key`: by key and its team, project and environment, hourly: grouping or filtering by key
 *   (with a model or outcome as well, the raw events answer).
 * Each keeps quantileTiming states (cheap to build and merge, see percentileStateColumns), so
 * percentiles never force a query onto the raw events; a query that asks for no percentile
 * reads no state column.
 *
 * Exact under deduplicated inserts: a retried batch carries the same insert_deduplication_token,
 * request_events drops it, and ClickHouse (deduplicate_blocks_in_dependent_materialized_views = 1
 * by default in 26.x) checks each view's block against its rollup with a token derived from the
 * source's: made only when the rollup keeps a deduplication window, like request_events (verified
 * with chDB 26.7 in the issue-10 rollup test). Two different batches that aggregate to identical
 * rollup rows are both kept, as their derived tokens differ.
 */

/** A rollup's time grain. */
export type RollupGrain = 'minute' | 'hour';

/** A rollup's width: which dimensions it keeps. */
export type RollupFamily = 'total' | 'team_total' | 'org' | 'team' | 'key';

/** Length of each grain in milliseconds. */
export const ROLLUP_GRAIN_MS: Readonly<Record<RollupGrain, number>> = { minute: 60_000, hour: 3_600_000 };

/** Column types of the rollup dimensions (the request_events columns of the same names). */
const DIMENSION_TYPES: Readonly<Record<string, string>> = {
  org_id: 'LowCardinality(String)',
  team_id: 'LowCardinality(String)',
  project_id: 'LowCardinality(String)',
  environment_id: 'LowCardinality(String)',
  environment: 'LowCardinality(String)',
  key_id: 'String',
  alias: 'LowCardinality(String)',
  provider_id: 'LowCardinality(String)',
  upstream_model: 'LowCardinality(String)',
  status_code: 'UInt16',
  error_code: 'LowCardinality(String)',
};

const MODEL_AND_OUTCOME = ['alias', 'provider_id', 'upstream_model', 'status_code', 'error_code'] as const;
const TENANCY = ['team_id', 'project_id', 'environment_id', 'environment'] as const;

/** One rollup table: what it is keyed by and its grain. */
export interface RollupSpec {
  table: string;
  family: RollupFamily;
  grain: RollupGrain;
  /** Dimensions beyond the bucket, in sort-key order after the leading ones. */
  dimensions: readonly string[];
  /** Sort key: org first (every query is bound to one), then what narrows that family's reads. */
  orderBy: readonly string[];
}

function spec(family: RollupFamily, grain: RollupGrain): RollupSpec {
  const suffix = grain === 'minute' ? '1m' : '1h';
  const table = `request_rollup_${family}_${suffix}`;
  switch (family) {
    case 'total':
      // Migration 0007: the organisation's whole traffic per bucket, one row per org and hour (or
      // minute). Its percentile states each hold a bucket's thousands of latencies in one fixed-size
      // histogram, so an ungrouped chart or a top-N total merges one state per bucket instead of
      // re-adding every latency from the org rollup's small per-model states (issue-10 bench).
      return { table, family, grain, dimensions: ['org_id'], orderBy: ['org_id', 'bucket'] };
    case 'team_total':
      // Migration 0007: the same per team, for a team-scoped viewer's charts and totals.
      return { table, family, grain, dimensions: ['org_id', 'team_id'], orderBy: ['org_id', 'team_id', 'bucket'] };
    case 'org':
      return { table, family, grain, dimensions: ['org_id', ...MODEL_AND_OUTCOME], orderBy: ['org_id', 'bucket', ...MODEL_AND_OUTCOME] };
    case 'team':
      // Team after org: a team-scoped viewer reads only its teams' rows.
      return { table, family, grain, dimensions: ['org_id', ...TENANCY, ...MODEL_AND_OUTCOME], orderBy: ['org_id', 'team_id', 'bucket', ...TENANCY.slice(1), ...MODEL_AND_OUTCOME] };
    case 'key':
      // Key and its tenancy only: by model and outcome too it had 2.2M rows per 10M events
      // (a key's hour spans several models and statuses), and top keys over 30 days took seconds.
      // Key after org: a key filter reads one key's rows; grouping by key aggregates in order.
      return { table, family, grain, dimensions: ['org_id', 'key_id', ...TENANCY], orderBy: ['org_id', 'key_id', 'bucket', ...TENANCY] };
  }
}

/**
 * The rollups migration 0004 created, as it created them (its backfill must not change with later
 * additions). Only the org rollup has a minute grain: per team or key a minute holds a request or
 * two, so those rollups would be as large as the raw events they summarise (the team one had 7.4M
 * rows for 10M events).
 */
export const ROLLUPS_0004: readonly RollupSpec[] = [spec('org', 'hour'), spec('team', 'hour'), spec('key', 'hour'), spec('org', 'minute')];

/** The rollups migration 0007 adds: the totals per org (hour and minute) and per team (hour). */
export const ROLLUPS_0007: readonly RollupSpec[] = [spec('total', 'hour'), spec('team_total', 'hour'), spec('total', 'minute')];

/**
 * Every rollup, cheapest first within a grain (fewest rows per org and bucket first), so the
 * first that keeps a query's columns reads the fewest rows and states.
 */
export const ROLLUPS: readonly RollupSpec[] = [
  spec('total', 'hour'),
  spec('team_total', 'hour'),
  spec('org', 'hour'),
  spec('team', 'hour'),
  spec('key', 'hour'),
  spec('total', 'minute'),
  spec('org', 'minute'),
];

/** Percentile levels of every latency answer. */
export const QUANTILE_LEVELS = [0.5, 0.95, 0.99] as const;

/**
 * quantileTiming clamps at this many milliseconds (ClickHouse docs: values above 30 s count as
 * 30 s); a second state in tenths of a second answers beyond it.
 */
export const TIMING_CLAMP_MS = 30_000;

const TIMING = `quantilesTiming(${QUANTILE_LEVELS.join(', ')})`;

/**
 * The percentile sketch: quantileTiming, chosen by measurement (issue-10 bench, 2M events, the org
 * rollup's 66k hourly rows of one org over 30 days: series p50/p95/p99 in ~30–45 ms with
 * quantilesTiming against ~100–290 ms for quantilesTDigest, ~150–260 ms for quantilesDD and
 * ~200–350 ms for quantilesBFloat16, and the cheapest view to maintain on insert). Its state is the
 * exact values up to 1024 of them, then a fixed histogram (1 ms steps to 1024 ms, 16 ms steps to
 * 30 s), so merging is order-independent and a rollup answers exactly what the raw events answer:
 * exact below 1024 ms, within 16 ms (≤ 1.6 %) to 30 s. Past its 30 s clamp (LLM requests run
 * longer), a companion state over tenths of a second takes over: within 100 ms to ~102 s and
 * 1.6 s (≤ 1.6 %) beyond.
 */
export function percentileStateColumns(measure: 'latency_ms' | 'ttft_ms'): Array<{ name: string; type: string; expr: string }> {
  const value = measure === 'ttft_ms' ? 'assumeNotNull(ttft_ms)' : 'latency_ms';
  const fn = measure === 'ttft_ms' ? `${TIMING.replace('quantilesTiming', 'quantilesTimingStateIf')}` : TIMING.replace('quantilesTiming', 'quantilesTimingState');
  const cond = measure === 'ttft_ms' ? ', isNotNull(ttft_ms)' : '';
  const type = `AggregateFunction(${TIMING}, UInt32)`;
  return [
    { name: `${measure}_state`, type, expr: `${fn}(${value}${cond})` },
    { name: `${measure.replace('_ms', '_ds')}_state`, type, expr: `${fn}(toUInt32(intDiv(${value}, 100))${cond})` },
  ];
}

/** The one answer of a fine and a coarse quantileTiming result: the coarse one where the fine one is clamped. */
function combineTiming(fine: string, coarse: string): string {
  return `arrayMap((f, c) -> if(f >= ${TIMING_CLAMP_MS}, c * 100, f), ${fine}, ${coarse})`;
}

/**
 * Which states a percentile query reads: `fine` only the millisecond one (its answers at the 30 s
 * clamp are unusable), `coarse` only the tenths-of-a-second one (to complete fine answers with
 * combineTimingValues), `combined` both, joined in SQL. Queries run `fine` first and read the
 * companion only when an answer reached the clamp: it costs as much to read and merge as the
 * fine state, and most buckets have no percentile past 30 s.
 */
export type PercentilePrecision = 'fine' | 'coarse' | 'combined';

/** The answer of a fine and a coarse quantileTiming result as combineTiming gives it, in TypeScript. */
export function combineTimingValues(fine: ReadonlyArray<number | null>, coarse: ReadonlyArray<number | null>): Array<number | null> {
  return fine.map((f, i) => (f !== null && Number(f) >= TIMING_CLAMP_MS ? Number(coarse[i]) * 100 : f));
}

function byPrecision(precision: PercentilePrecision, fine: string, coarse: string): string {
  if (precision === 'fine') return fine;
  return precision === 'coarse' ? coarse : combineTiming(fine, coarse);
}

/** Percentiles of `measure` merged from rollup states; NaN (null in JSON) when no value was seen. */
export function percentilesFromStates(measure: 'latency_ms' | 'ttft_ms', precision: PercentilePrecision = 'combined'): string {
  const merge = TIMING.replace('quantilesTiming', 'quantilesTimingMerge');
  return byPrecision(precision, `${merge}(${measure}_state)`, `${merge}(${measure.replace('_ms', '_ds')}_state)`);
}

/** Percentiles of `measure` computed from raw events, with the very sketch of the rollups (same answer). */
export function percentilesFromEvents(measure: 'latency_ms' | 'ttft_ms', precision: PercentilePrecision = 'combined'): string {
  if (measure === 'latency_ms') return byPrecision(precision, `${TIMING}(latency_ms)`, `${TIMING}(toUInt32(intDiv(latency_ms, 100)))`);
  const fn = TIMING.replace('quantilesTiming', 'quantilesTimingIf');
  return byPrecision(precision, `${fn}(assumeNotNull(ttft_ms), isNotNull(ttft_ms))`, `${fn}(toUInt32(intDiv(assumeNotNull(ttft_ms), 100)), isNotNull(ttft_ms))`);
}

/** Summed measures of every rollup as migration 0004 created them: how each is declared, and how the view computes it from events. */
const SUM_MEASURES_0004 = [
  { name: 'requests', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'count()' },
  { name: 'errors', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'countIf(status_code >= 400)' },
  { name: 'prompt_tokens', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'sum(prompt_tokens)' },
  { name: 'completion_tokens', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'sum(completion_tokens)' },
  { name: 'cached_tokens', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'sum(cached_tokens)' },
  { name: 'cost_micros', type: 'SimpleAggregateFunction(sum, Int64)', expr: 'sum(cost_micros)' },
  // Before 0005 request_events had no cost_saved_micros: the column was kept at 0.
  { name: 'cost_saved_micros', type: 'SimpleAggregateFunction(sum, Int64)', expr: 'toInt64(0)' },
  // Averages (overview tiles) need no sketch: a sum and a count.
  { name: 'latency_ms_sum', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'sum(latency_ms)' },
  { name: 'ttft_ms_sum', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'sum(assumeNotNull(ttft_ms))' },
  { name: 'ttft_count', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'countIf(isNotNull(ttft_ms))' },
] as const;

/** The measure migration 0005 adds to every rollup (after cost_saved_micros): requests the response cache answered. */
export const ROLLUP_CACHE_HITS = { name: 'cache_hits', type: 'SimpleAggregateFunction(sum, UInt64)', expr: 'countIf(cache_hit)' } as const;

/**
 * Summed measures of every rollup since migration 0005 (issue 9): cost saved summed from the
 * events' cost_saved_micros, and cache hits counted. Rows the 0004 views wrote hold 0 for both,
 * which is what the events before 0005 meant (no such columns, read as 0 and false).
 */
const SUM_MEASURES: ReadonlyArray<{ name: string; type: string; expr: string }> = SUM_MEASURES_0004.flatMap((m): Array<{ name: string; type: string; expr: string }> =>
  m.name === 'cost_saved_micros' ? [{ ...m, expr: 'toInt64(sum(cost_saved_micros))' }, ROLLUP_CACHE_HITS] : [m],
);

/** Which migration's rollup layout: 0004's (frozen, what it creates and backfills) or today's (0005 on). */
export type RollupLayout = '0004' | 'current';

/** Every measure column of a rollup, in table order. */
export function rollupMeasures(layout: RollupLayout = 'current'): Array<{ name: string; type: string; expr: string }> {
  return [...(layout === '0004' ? SUM_MEASURES_0004 : SUM_MEASURES), ...percentileStateColumns('latency_ms'), ...percentileStateColumns('ttft_ms')];
}

/** Retention of each analytics table in days; 0 keeps rows forever. */
export interface AnalyticsRetentionDays {
  rawEvents: number;
  minuteRollup: number;
  hourRollup: number;
}

/** CREATE TABLE of `rollup` (in `layout`: migration 0004 creates its own, 0005 adds to it). */
export function rollupTableDDL(database: string, rollup: RollupSpec, layout: RollupLayout = 'current'): string {
  assertIdentifier(database);
  const columns = [
    `    bucket DateTime('UTC') COMMENT 'start of the ${rollup.grain} (UTC)'`,
    ...rollup.dimensions.map((d) => `    ${d} ${DIMENSION_TYPES[d]}`),
    ...rollupMeasures(layout).map((m) => `    ${m.name} ${m.type}`),
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${database}.${rollup.table}`,
    '(',
    columns.join(',\n'),
    ')',
    'ENGINE = AggregatingMergeTree',
    // Daily partitions for minute rollups so their (short) TTL drops whole parts.
    `PARTITION BY ${rollup.grain === 'minute' ? 'toYYYYMMDD(bucket)' : 'toYYYYMM(bucket)'}`,
    `ORDER BY (${rollup.orderBy.join(', ')})`,
    // The deduplication window makes a retried batch's view block deduplicate too (see above);
    // ttl_only_drop_parts: expiry drops parts instead of rewriting them.
    'SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1',
  ].join('\n');
}

/** The SELECT aggregating events of `source` (request_events, or FINAL with a cutoff) into `rollup`. */
function rollupSelect(source: string, rollup: RollupSpec, layout: RollupLayout, where = ''): string {
  const bucket = rollup.grain === 'minute' ? 'toStartOfMinute(toDateTime(ts))' : 'toStartOfHour(toDateTime(ts))';
  const dimensions = rollup.dimensions.join(', ');
  return [
    `SELECT ${bucket} AS bucket, ${dimensions},`,
    rollupMeasures(layout).map((m) => `    ${m.expr} AS ${m.name}`).join(',\n'),
    `FROM ${source}${where}`,
    `GROUP BY bucket, ${dimensions}`,
  ].join('\n');
}

/** Name of the materialized view feeding `rollup`. */
export function rollupViewName(rollup: RollupSpec): string {
  return `${rollup.table}_mv`;
}

/** CREATE MATERIALIZED VIEW feeding `rollup` from every insert into request_events (0004's or today's select). */
export function rollupViewDDL(database: string, rollup: RollupSpec, layout: RollupLayout = 'current'): string {
  assertIdentifier(database);
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.${rollupViewName(rollup)} TO ${database}.${rollup.table} AS\n${rollupSelect(`${database}.${REQUEST_EVENTS_TABLE}`, rollup, layout)}`;
}

/**
 * INSERT … SELECT filling `rollup` from the events inserted before `cutoff` (`YYYY-MM-DD
 * hh:mm:ss.sss` UTC, taken just before the views were created: later rows reach the rollups
 * through the views). FINAL: a request whose retry landed in another batch counts once.
 */
export function rollupBackfillSQL(database: string, rollup: RollupSpec, cutoff: string, layout: RollupLayout = 'current'): string {
  assertIdentifier(database);
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/.test(cutoff)) throw new Error(`Not an event time: ${cutoff}`);
  return `INSERT INTO ${database}.${rollup.table}\n${rollupSelect(`${database}.${REQUEST_EVENTS_TABLE} FINAL`, rollup, layout, `\nWHERE inserted_at < toDateTime64('${cutoff}', 3, 'UTC')`)}`;
}

/**
 * Migration 0005's change to the rollups: the cache_hits column, and each view replaced by one
 * summing cost saved and counting cache hits. No backfill: the rows the old views wrote came from
 * events without those columns (0 and false), so they already hold the right sums. Each view is
 * recreated right after it is dropped: a batch inserted between the two would miss that rollup,
 * as with 0004 (migrations run before this control plane ingests).
 */
export function rollupCostSavedDDL(database: string): string[] {
  assertIdentifier(database);
  return [
    // Only the rollups that exist by then (0004's); later ones are created with today's layout.
    ...ROLLUPS_0004.map((rollup) => `ALTER TABLE ${database}.${rollup.table} ADD COLUMN IF NOT EXISTS ${ROLLUP_CACHE_HITS.name} ${ROLLUP_CACHE_HITS.type} AFTER cost_saved_micros`),
    ...ROLLUPS_0004.flatMap((rollup) => [`DROP VIEW IF EXISTS ${database}.${rollupViewName(rollup)}`, rollupViewDDL(database, rollup)]),
  ];
}

/**
 * A min-max skip index on `ts`: the sort key leads with org and project, so a time range alone
 * (the request log of a key over a week) would read every granule of the org; within a project
 * granules follow the day, so each granule's min-max range skips the days outside the range.
 */
export function eventTimeIndexDDL(database: string): string[] {
  assertIdentifier(database);
  return [
    `ALTER TABLE ${database}.${REQUEST_EVENTS_TABLE} ADD INDEX IF NOT EXISTS ts_minmax ts TYPE minmax GRANULARITY 1`,
    `ALTER TABLE ${database}.${REQUEST_EVENTS_TABLE} MATERIALIZE INDEX ts_minmax`,
  ];
}

/**
 * A bloom filter skip index on `key_id` (migration 0007): the request log of a key (its drill-down)
 * names no project, so the sort key (org, project, day) narrows it to the org's granules of the
 * range; a granule holds one project's day, hence only that project's few keys, and the filter
 * skips every granule without the key (at 10M events a key's week read ~1.6M rows before).
 */
export function keyIdIndexDDL(database: string): string[] {
  assertIdentifier(database);
  return [
    `ALTER TABLE ${database}.${REQUEST_EVENTS_TABLE} ADD INDEX IF NOT EXISTS key_id_bloom key_id TYPE bloom_filter(0.01) GRANULARITY 1`,
    `ALTER TABLE ${database}.${REQUEST_EVENTS_TABLE} MATERIALIZE INDEX key_id_bloom`,
  ];
}

/**
 * The TTL clause of each analytics table for `retention`, or null to keep rows forever. Applied
 * at every start (ALTER … MODIFY TTL), so changing the setting changes the tables.
 */
export function retentionTTL(retention: AnalyticsRetentionDays): Record<string, string | null> {
  const ttl = (column: string, days: number) => (days === 0 ? null : `${column} + toIntervalDay(${days})`);
  const out: Record<string, string | null> = { [REQUEST_EVENTS_TABLE]: ttl('toDateTime(ts)', retention.rawEvents) };
  for (const rollup of ROLLUPS) out[rollup.table] = ttl('bucket', rollup.grain === 'minute' ? retention.minuteRollup : retention.hourRollup);
  return out;
}
