import { combineTimingValues, TIMING_CLAMP_MS, type PercentilePrecision } from '@proxystacks/shared/events/request-rollups-ddl';
import type { AnalyticsMetric } from './analytics-source.ts';
import type { ClickHouse } from './clickhouse.ts';

/** The measures of one group or bucket; null for metrics not asked for (or no values). */
export interface AnalyticsAggregate {
  requests: number;
  errors: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  cachedTokens: number | null;
  costMicros: bigint | null;
  costSavedMicros: bigint | null;
  /** Requests the response cache answered (metric COST_SAVED). */
  cacheHits: number | null;
  /** Mean latency (a sum over a count, no sketch). */
  latencyAvgMs: number | null;
  /** Mean time to first token over the requests that had one. */
  ttftAvgMs: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyP99Ms: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  ttftP99Ms: number | null;
}

/** A row as ClickHouse answers metricColumns(): 64-bit sums as strings, quantiles as arrays. */
export interface RawAggregate {
  requests: string;
  errors?: string;
  promptTokens?: string;
  completionTokens?: string;
  cachedTokens?: string;
  costMicros?: string;
  costSavedMicros?: string;
  cacheHits?: string;
  latencyMsSum?: string;
  ttftMsSum?: string;
  ttftCount?: string;
  latencyMs?: Array<number | null>;
  ttftMs?: Array<number | null>;
}

/** The one decoder of metricColumns() rows. */
export function decodeAggregate(raw: RawAggregate): AnalyticsAggregate {
  const count = (value: string | undefined): number | null => (value === undefined ? null : toSafeCount(value));
  const micros = (value: string | undefined): bigint | null => (value === undefined ? null : BigInt(value));
  const level = (values: Array<number | null> | undefined, i: number): number | null => {
    const value = values?.[i];
    // An empty sketch answers NaN (null in JSON).
    return value === undefined || value === null || !Number.isFinite(Number(value)) ? null : Number(value);
  };
  return {
    requests: toSafeCount(raw.requests),
    errors: count(raw.errors),
    promptTokens: count(raw.promptTokens),
    completionTokens: count(raw.completionTokens),
    cachedTokens: count(raw.cachedTokens),
    costMicros: micros(raw.costMicros),
    costSavedMicros: micros(raw.costSavedMicros),
    cacheHits: count(raw.cacheHits),
    latencyAvgMs: mean(raw.latencyMsSum, raw.requests),
    ttftAvgMs: mean(raw.ttftMsSum, raw.ttftCount),
    latencyP50Ms: level(raw.latencyMs, 0),
    latencyP95Ms: level(raw.latencyMs, 1),
    latencyP99Ms: level(raw.latencyMs, 2),
    ttftP50Ms: level(raw.ttftMs, 0),
    ttftP95Ms: level(raw.ttftMs, 1),
    ttftP99Ms: level(raw.ttftMs, 2),
  };
}

/** The metrics to compute: the caller's list, or all. */
export function metricSet(metrics: readonly AnalyticsMetric[] | null | undefined, all: readonly AnalyticsMetric[]): ReadonlySet<AnalyticsMetric> {
  return new Set(metrics === null || metrics === undefined || metrics.length === 0 ? all : metrics);
}

/** `sum / count`, or null when either is absent or nothing was counted. */
function mean(sum: string | undefined, count: string | undefined): number | null {
  if (sum === undefined || count === undefined || Number(count) === 0) return null;
  return Number(sum) / Number(count);
}

function toSafeCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`Count out of safe integer range: ${value}`);
  return n;
}

/** Runs `sql` with bound `params` and returns its rows (JSONEachRow). */
export async function selectRows<T>(ch: ClickHouse, sql: string, params: Record<string, unknown>): Promise<T[]> {
  const result = await ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}

/**
 * Runs the aggregate query `sql(precision)` with the millisecond percentile states only, and reads
 * the companion past-30-s states only when an answer reached the clamp: the rows one 'combined'
 * query answers, at about half the state reads when no percentile passes 30 s (issue-10 bench).
 * With `keyOf` (rows that no LIMIT picks), the second query reads only the companion states and
 * completes the clamped answers of the rows of the same key; without it (a top-N ranked by a
 * percentile picks its rows by the complete answer), the second query is the 'combined' one.
 */
export async function selectAggregates<T extends RawAggregate>(
  ch: ClickHouse,
  sql: (precision: PercentilePrecision) => string,
  params: Record<string, unknown>,
  keyOf?: (row: T) => string,
): Promise<T[]> {
  const rows = await selectRows<T>(ch, sql('fine'), params);
  const clamped = (values: Array<number | null> | undefined) => values?.some((value) => value !== null && Number(value) >= TIMING_CLAMP_MS) ?? false;
  if (!rows.some((row) => clamped(row.latencyMs) || clamped(row.ttftMs))) return rows;
  if (keyOf === undefined) return selectRows<T>(ch, sql('combined'), params);
  const coarse = new Map((await selectRows<T>(ch, sql('coarse'), params)).map((row) => [keyOf(row), row]));
  const completed: T[] = [];
  for (const row of rows) {
    const companion = coarse.get(keyOf(row));
    // A row gone or changed in between (events kept arriving): answer from one query instead.
    if (companion === undefined || companion.requests !== row.requests) return selectRows<T>(ch, sql('combined'), params);
    completed.push({
      ...row,
      ...(row.latencyMs && companion.latencyMs ? { latencyMs: combineTimingValues(row.latencyMs, companion.latencyMs) } : {}),
      ...(row.ttftMs && companion.ttftMs ? { ttftMs: combineTimingValues(row.ttftMs, companion.ttftMs) } : {}),
    });
  }
  return completed;
}
