import { REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import {
  QUANTILES_FUNCTION,
  QUANTILES_MERGE,
  ROLLUP_GRAIN_MS,
  ROLLUP_TABLES,
  type AnalyticsRetentionDays,
  type RollupGrain,
} from '@proxystacks/shared/events/request-rollups-ddl';
import { scopedRangeWhere, type AnalyticsFilters, type ScopedRange } from './analytics-filters.ts';
import { KEEP_FOREVER } from './analytics-retention.ts';
import type { ScopeParams } from './event-scope.ts';

/** Where an aggregate query reads: the raw events, or a rollup. */
export type AnalyticsSource = 'raw' | RollupGrain;

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
  /** False when a filter needs a column the rollups do not keep. */
  rollupCanFilter: boolean;
  retention?: AnalyticsRetentionDays;
  nowMs?: number;
}

/**
 * The coarsest rollup that answers exactly: its grain divides the bucket (the hour rollup makes
 * local hours and days only in whole-hour zones), `from` and `to` fall on its grain (a rollup row
 * cannot be split), and its TTL still holds the whole range. Otherwise the raw events.
 */
export function chooseSource(choice: SourceChoice): AnalyticsSource {
  if (!choice.rollupCanFilter) return 'raw';
  const retention = choice.retention ?? KEEP_FOREVER;
  const nowMs = choice.nowMs ?? Date.now();
  const candidates: RollupGrain[] = choice.bucket === 'MINUTE' || !choice.wholeHourZone ? ['minute'] : ['hour', 'minute'];
  for (const grain of candidates) {
    const grainMs = ROLLUP_GRAIN_MS[grain];
    if (choice.from.getTime() % grainMs !== 0 || choice.to.getTime() % grainMs !== 0) continue;
    const ttlDays = grain === 'minute' ? retention.minuteRollup : retention.hourRollup;
    // A day of margin: TTL drops whole parts a little after they expire, never before.
    if (ttlDays > 0 && choice.from.getTime() < nowMs - (ttlDays - 1) * 86_400_000) continue;
    return grain;
  }
  return 'raw';
}

/** The table (with FINAL for raw events: a retried request counts once) and its time column. */
export function sourceTable(database: string, source: AnalyticsSource): { from: string; time: string } {
  if (source === 'raw') return { from: `${database}.${REQUEST_EVENTS_TABLE} FINAL`, time: 'ts' };
  return { from: `${database}.${ROLLUP_TABLES[source]}`, time: 'bucket' };
}

/** The measures an aggregate query can return. */
export type AnalyticsMetric = 'REQUESTS' | 'ERRORS' | 'TOKENS' | 'COST' | 'COST_SAVED' | 'LATENCY' | 'TTFT';

/** Every metric: the default selection. */
export const ALL_METRICS: readonly AnalyticsMetric[] = ['REQUESTS', 'ERRORS', 'TOKENS', 'COST', 'COST_SAVED', 'LATENCY', 'TTFT'];

/**
 * SELECT expressions of `metrics` over `source`. Requests are always counted (ordering and
 * empty-group detection need them). Sums are sent as strings (chDB answers 64-bit integers as
 * JSON numbers, which lose precision past 2^53); the percentiles use the very sketch the
 * rollups store, so raw and rollup answers agree exactly.
 */
export function metricColumns(source: AnalyticsSource, metrics: ReadonlySet<AnalyticsMetric>): string {
  const raw = source === 'raw';
  const sum = (rollupColumn: string, rawExpr: string) => `toString(${raw ? rawExpr : `sum(${rollupColumn})`})`;
  const out = [`${sum('requests', 'count()')} AS requests`];
  if (metrics.has('ERRORS')) out.push(`${sum('errors', 'countIf(status_code >= 400)')} AS errors`);
  if (metrics.has('TOKENS')) {
    out.push(`${sum('prompt_tokens', 'sum(prompt_tokens)')} AS promptTokens`);
    out.push(`${sum('completion_tokens', 'sum(completion_tokens)')} AS completionTokens`);
    out.push(`${sum('cached_tokens', 'sum(cached_tokens)')} AS cachedTokens`);
  }
  if (metrics.has('COST')) out.push(`${sum('cost_micros', 'sum(cost_micros)')} AS costMicros`);
  if (metrics.has('COST_SAVED')) out.push(`${sum('cost_saved_micros', 'toInt64(0)')} AS costSavedMicros`);
  if (metrics.has('LATENCY')) out.push(`${raw ? `${QUANTILES_FUNCTION}(latency_ms)` : `${QUANTILES_MERGE}(latency_ms_state)`} AS latencyMs`);
  if (metrics.has('TTFT')) {
    const rawTtft = `${QUANTILES_FUNCTION.replace('quantilesDD', 'quantilesDDIf')}(assumeNotNull(ttft_ms), isNotNull(ttft_ms))`;
    out.push(`${raw ? rawTtft : `${QUANTILES_MERGE}(ttft_ms_state)`} AS ttftMs`);
  }
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
