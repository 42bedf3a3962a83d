import { REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import {
  percentilesFromEvents,
  percentilesFromStates,
  type PercentilePrecision,
  ROLLUP_GRAIN_MS,
  ROLLUPS,
  type AnalyticsRetentionDays,
  type RollupGrain,
  type RollupSpec,
} from '@proxystacks/shared/events/request-rollups-ddl';
import { DIMENSION_COLUMNS, type AnalyticsDimension } from './analytics-dimensions.ts';
import { filterColumns, scopedRangeWhere, type AnalyticsFilters, type ScopedRange } from './analytics-filters.ts';
import { KEEP_FOREVER } from './analytics-retention.ts';
import { scopeColumns, type ScopeParams } from './event-scope.ts';

/** Where an aggregate query reads: the raw events, or one rollup. */
export type AnalyticsSource = 'raw' | RollupSpec;

/** The grain of `source` as the API reports it ('raw', 'minute' or 'hour'). */
export function sourceGrain(source: AnalyticsSource): 'raw' | RollupGrain {
  return source === 'raw' ? 'raw' : source.grain;
}

/** Time-series bucket sizes. */
export type TimeBucket = 'MINUTE' | 'HOUR' | 'DAY';

/** What decides the source of an aggregate query. */
export interface SourceChoice {
  from: Date;
  to: Date;
  /** The series bucket, or null for one aggregate over the range (top-N). */
  bucket: TimeBucket | null;
  /** Whether the chosen time zone's local hours start on UTC hours over the range. */
  wholeHourZone: boolean;
  /** Columns the query filters or groups on (see queryColumns). */
  columns: ReadonlySet<string>;
  retention?: AnalyticsRetentionDays;
  nowMs?: number;
}

/**
 * The cheapest rollup that answers exactly: it keeps every column the query needs, its grain divides the bucket (the hour rollups make
 * local hours and days only in whole-hour zones), `from` and `to` fall on its grain (a rollup row
 * cannot be split), and its TTL still holds the whole range. ROLLUPS is ordered coarsest grain
 * first, narrowest width first, so the first that fits reads the fewest rows. Else the raw events.
 */
export function chooseSource(choice: SourceChoice): AnalyticsSource {
  const retention = choice.retention ?? KEEP_FOREVER;
  const nowMs = choice.nowMs ?? Date.now();
  const grains: RollupGrain[] = choice.bucket === 'MINUTE' || !choice.wholeHourZone ? ['minute'] : ['hour', 'minute'];
  for (const rollup of ROLLUPS) {
    if (!grains.includes(rollup.grain)) continue;
    if (![...choice.columns].every((column) => rollup.dimensions.includes(column))) continue;
    const grainMs = ROLLUP_GRAIN_MS[rollup.grain];
    if (choice.from.getTime() % grainMs !== 0 || choice.to.getTime() % grainMs !== 0) continue;
    const ttlDays = rollup.grain === 'minute' ? retention.minuteRollup : retention.hourRollup;
    // A day of margin: TTL drops whole parts a little after they expire, never before.
    if (ttlDays > 0 && choice.from.getTime() < nowMs - (ttlDays - 1) * 86_400_000) continue;
    return rollup;
  }
  return 'raw';
}

/** The columns an aggregate over `query` grouped by `groupBy` reads besides the measures and time. */
export function queryColumns(query: AggregateScope, groupBy: AnalyticsDimension | null): Set<string> {
  const columns = new Set(['org_id', ...scopeColumns(query.scope), ...filterColumns(query.filters)]);
  if (groupBy !== null) columns.add(DIMENSION_COLUMNS[groupBy].column);
  return columns;
}

/** The table (with FINAL for raw events: a retried request counts once) and its time column. */
export function sourceTable(database: string, source: AnalyticsSource): { from: string; time: string } {
  if (source === 'raw') return { from: `${database}.${REQUEST_EVENTS_TABLE} FINAL`, time: 'ts' };
  return { from: `${database}.${source.table}`, time: 'bucket' };
}

/** The measures an aggregate query can return. */
export type AnalyticsMetric = 'REQUESTS' | 'ERRORS' | 'TOKENS' | 'COST' | 'COST_SAVED' | 'LATENCY_AVG' | 'LATENCY' | 'TTFT';

/** Every metric: the default selection. */
export const ALL_METRICS: readonly AnalyticsMetric[] = ['REQUESTS', 'ERRORS', 'TOKENS', 'COST', 'COST_SAVED', 'LATENCY_AVG', 'LATENCY', 'TTFT'];

/**
 * SELECT expressions of `metrics` over `source`. Requests are always counted (ordering and
 * empty-group detection need them). Sums are sent as strings (chDB answers 64-bit integers as
 * JSON numbers, which lose precision past 2^53); the percentiles use the very sketch the
 * rollups store, so raw and rollup answers agree exactly; `precision` 'fine' leaves out the state
 * past the 30 s clamp, 'coarse' selects the requests and only that state (see selectAggregates).
 */
export function metricColumns(source: AnalyticsSource, metrics: ReadonlySet<AnalyticsMetric>, precision: PercentilePrecision = 'combined'): string {
  const raw = source === 'raw';
  const sum = (rollupColumn: string, rawExpr: string) => `toString(${raw ? rawExpr : `sum(${rollupColumn})`})`;
  const out = [`${sum('requests', 'count()')} AS requests`];
  const percentiles = raw ? percentilesFromEvents : percentilesFromStates;
  if (precision === 'coarse') {
    if (metrics.has('LATENCY')) out.push(`${percentiles('latency_ms', precision)} AS latencyMs`);
    if (metrics.has('TTFT')) out.push(`${percentiles('ttft_ms', precision)} AS ttftMs`);
    return out.join(',\n    ');
  }
  if (metrics.has('ERRORS')) out.push(`${sum('errors', 'countIf(status_code >= 400)')} AS errors`);
  if (metrics.has('TOKENS')) {
    out.push(`${sum('prompt_tokens', 'sum(prompt_tokens)')} AS promptTokens`);
    out.push(`${sum('completion_tokens', 'sum(completion_tokens)')} AS completionTokens`);
    out.push(`${sum('cached_tokens', 'sum(cached_tokens)')} AS cachedTokens`);
  }
  if (metrics.has('COST')) out.push(`${sum('cost_micros', 'sum(cost_micros)')} AS costMicros`);
  if (metrics.has('COST_SAVED')) {
    out.push(`${sum('cost_saved_micros', 'sum(cost_saved_micros)')} AS costSavedMicros`);
    out.push(`${sum('cache_hits', 'countIf(cache_hit)')} AS cacheHits`);
  }
  if (metrics.has('LATENCY_AVG')) {
    out.push(`${sum('latency_ms_sum', 'sum(latency_ms)')} AS latencyMsSum`);
    out.push(`${sum('ttft_ms_sum', 'sum(assumeNotNull(ttft_ms))')} AS ttftMsSum`);
    out.push(`${sum('ttft_count', 'countIf(isNotNull(ttft_ms))')} AS ttftCount`);
  }
  if (metrics.has('LATENCY')) out.push(`${percentiles('latency_ms', precision)} AS latencyMs`);
  if (metrics.has('TTFT')) out.push(`${percentiles('ttft_ms', precision)} AS ttftMs`);
  return out.join(',\n    ');
}

/** What every aggregate query filters on. */
export interface AggregateScope extends ScopedRange {
  filters: AnalyticsFilters;
}

/** FROM table and WHERE clause of an aggregate over `source` (see scopedRangeWhere). */
export function sourceWhere(database: string, source: AnalyticsSource, query: AggregateScope): { from: string; time: string; where: string; params: ScopeParams } {
  const table = sourceTable(database, source);
  const { conditions, params } = scopedRangeWhere(table.time, query, query.filters);
  return { from: table.from, time: table.time, where: conditions.join('\n    AND '), params };
}
