import type { AnalyticsRetentionDays, RollupGrain } from '@proxystacks/shared/events/request-rollups-ddl';
import { InputError } from '../domain/input-error.ts';
import type { ClickHouse } from './clickhouse.ts';
import { decodeAggregate, metricSet, selectAggregates, type AnalyticsAggregate, type RawAggregate } from './analytics-aggregate.ts';
import { DIMENSION_COLUMNS, dimensionKey, type AnalyticsDimension } from './analytics-dimensions.ts';
import {
  ALL_METRICS,
  chooseSource,
  metricColumns,
  queryColumns,
  sourceGrain,
  sourceWhere,
  type AggregateScope,
  type AnalyticsMetric,
  type AnalyticsSource,
} from './analytics-source.ts';
import { assertQueryRange } from './query-range.ts';

/** How top-N groups are ranked. */
export type TopOrder = 'REQUESTS' | 'ERRORS' | 'COST' | 'TOKENS' | 'LATENCY_P95';

/** Groups a top-N answer holds. */
export const TOP_LIMIT = { min: 1, max: 100, default: 10 } as const;

/** The ORDER BY of each ranking (ties by requests, then key, so the answer is stable), and the metrics it needs. */
const ORDERS: Readonly<Record<TopOrder, { sql: string; needs: AnalyticsMetric }>> = {
  REQUESTS: { sql: 'toUInt64(requests) DESC', needs: 'REQUESTS' },
  ERRORS: { sql: 'toUInt64(errors) DESC', needs: 'ERRORS' },
  COST: { sql: 'toInt64(costMicros) DESC', needs: 'COST' },
  TOKENS: { sql: 'toUInt64(promptTokens) + toUInt64(completionTokens) DESC', needs: 'TOKENS' },
  LATENCY_P95: { sql: 'latencyMs[2] DESC', needs: 'LATENCY' },
};

/** Parameters of {@link queryTop}; `[from, to)` is half-open. */
export interface TopQuery extends AggregateScope {
  by: AnalyticsDimension;
  orderBy?: TopOrder | null;
  limit?: number | null;
  metrics?: readonly AnalyticsMetric[] | null;
  retention?: AnalyticsRetentionDays;
  /** Tests and benchmarks only: read the raw events whatever chooseSource says. */
  forceSource?: 'raw';
}

/** One group of a top-N answer. */
export interface TopRow extends AnalyticsAggregate {
  key: string;
}

/** The top groups, the totals over everything in scope, and where they were read from. */
export interface TopResult {
  /** The grain read: the raw events, or a minute or hour rollup. */
  source: 'raw' | RollupGrain;
  /** The table read (which rollup width answered). */
  table: string;
  rows: TopRow[];
  totals: AnalyticsAggregate;
  /** True when more groups exist than `limit`. */
  truncated: boolean;
}

/**
 * The top `limit` keys, models, error codes… of one org over `[from, to)` within scope and
 * filters, ranked by `orderBy` (default requests). From the hour or minute rollup when the range
 * falls on its grain, else the raw events.
 * @throws InputError on a bad range or limit.
 */
export async function queryTop(ch: ClickHouse, query: TopQuery): Promise<TopResult> {
  assertQueryRange(query.from, query.to);
  const limit = checkTopLimit(query.limit, 'limit');
  const order = ORDERS[query.orderBy ?? 'REQUESTS'];
  const wanted = new Set(metricSet(query.metrics, ALL_METRICS));
  wanted.add(order.needs);
  const choose = (groupBy: AnalyticsDimension | null): AnalyticsSource =>
    query.forceSource ??
    chooseSource({
      from: query.from,
      to: query.to,
      bucket: null,
      wholeHourZone: true,
      columns: queryColumns(query, groupBy),
      ...(query.retention ? { retention: query.retention } : {}),
    });
  const source = choose(query.by);
  // The totals need no group column: often a narrower rollup (one row per bucket) answers them.
  const totalsSource = choose(null);
  const { from, where, params } = sourceWhere(ch.database, source, query);
  const totalsFrom = sourceWhere(ch.database, totalsSource, query);
  const { column, skipEmpty } = DIMENSION_COLUMNS[query.by];
  const key = dimensionKey(query.by);
  const [grouped, totals] = await Promise.all([
    selectAggregates<RawAggregate & { groupKey: string }>(
      ch,
      (precision) => `SELECT ${key} AS groupKey, ${metricColumns(source, wanted, precision)}
  FROM ${from}
  WHERE ${where}${skipEmpty ? ` AND ${column} != ''` : ''}
  GROUP BY groupKey
  ORDER BY ${order.sql}, toUInt64(requests) DESC, groupKey ASC
  LIMIT {limit:UInt32}`,
      { ...params, limit: limit + 1 },
    ),
    selectAggregates<RawAggregate>(ch, (precision) => `SELECT ${metricColumns(totalsSource, wanted, precision)}\n  FROM ${totalsFrom.from}\n  WHERE ${totalsFrom.where}`, totalsFrom.params),
  ]);
  const total = totals[0];
  if (total === undefined) throw new Error('ClickHouse returned no totals row');
  return {
    source: sourceGrain(source),
    table: from,
    rows: grouped.slice(0, limit).map((row) => ({ key: row.groupKey, ...decodeAggregate(row) })),
    totals: decodeAggregate(total),
    truncated: grouped.length > limit,
  };
}

/**
 * The top-N size to use: `limit`, or the default.
 * @throws InputError naming `param` outside 1–100.
 */
export function checkTopLimit(limit: number | null | undefined, param: string): number {
  if (limit === undefined || limit === null) return TOP_LIMIT.default;
  if (!Number.isInteger(limit) || limit < TOP_LIMIT.min || limit > TOP_LIMIT.max) {
    throw new InputError(`\`${param}\` must be a whole number from ${TOP_LIMIT.min} to ${TOP_LIMIT.max}.`, 'BAD_USER_INPUT', param);
  }
  return limit;
}
