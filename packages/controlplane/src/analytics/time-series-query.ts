import type { AnalyticsRetentionDays, RollupGrain } from '@proxystacks/shared/events/request-rollups-ddl';
import { InputError } from '../domain/input-error.ts';
import type { ClickHouse } from './clickhouse.ts';
import { decodeAggregate, metricSet, selectAggregates, selectRows, type AnalyticsAggregate, type RawAggregate } from './analytics-aggregate.ts';
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
  type TimeBucket,
} from './analytics-source.ts';
import { assertQueryRange } from './query-range.ts';
import { assertTimeZone, hasWholeHourOffsets } from './time-zone.ts';

/** Most buckets one series may have (a day of minutes fits; a year of hours does not). */
export const MAX_SERIES_BUCKETS = 2000;

/** Groups a grouped series returns, most requests first; the rest add up in one `other` group. */
export const SERIES_GROUP_LIMIT = { min: 1, max: 50, default: 10 } as const;

/** Shortest length of each bucket, for the bucket-count bound (a local day can have 23 hours). */
const MIN_BUCKET_MS: Readonly<Record<TimeBucket, number>> = { MINUTE: 60_000, HOUR: 3_600_000, DAY: 23 * 3_600_000 };

/** Parameters of {@link queryTimeSeries}; `[from, to)` is half-open. */
export interface TimeSeriesQuery extends AggregateScope {
  bucket: TimeBucket;
  /** IANA zone whose local minutes, hours and days the buckets are. */
  timeZone: string;
  groupBy: AnalyticsDimension | null;
  groupLimit?: number | null;
  metrics?: readonly AnalyticsMetric[] | null;
  retention?: AnalyticsRetentionDays;
  /** Tests and benchmarks only: read the raw events whatever chooseSource says. */
  forceSource?: 'raw';
}

/** One bucket of a series. */
export interface TimeSeriesPoint extends AnalyticsAggregate {
  /** Start of the bucket: a local midnight, hour or minute of the time zone, as an instant. */
  bucketStart: Date;
}

/** One line of a chart: a group's buckets, oldest first; buckets without requests are absent. */
export interface TimeSeriesGroup {
  /** Group value (key id, model alias, status code…); null for the ungrouped series and for `other`. */
  key: string | null;
  /** True for the sum of the groups past the limit. */
  other: boolean;
  points: TimeSeriesPoint[];
}

/** A time series answer, and where it was read from. */
export interface TimeSeriesResult {
  /** The grain read: the raw events, or a minute or hour rollup. */
  source: 'raw' | RollupGrain;
  /** The table read (which rollup width answered). */
  table: string;
  groups: TimeSeriesGroup[];
}

/**
 * Requests, errors, tokens, cost and percentiles per local minute, hour or day of `timeZone`,
 * optionally one line per group of a dimension. Reads the coarsest rollup that answers exactly
 * (chooseSource), else the raw events.
 * @throws InputError on a bad range, zone, group limit or too many buckets.
 */
export async function queryTimeSeries(ch: ClickHouse, query: TimeSeriesQuery): Promise<TimeSeriesResult> {
  assertQueryRange(query.from, query.to);
  assertTimeZone(query.timeZone, 'timeZone');
  const groupLimit = checkGroupLimit(query.groupLimit, 'groupLimit');
  if ((query.to.getTime() - query.from.getTime()) / MIN_BUCKET_MS[query.bucket] > MAX_SERIES_BUCKETS) {
    throw new InputError(`The range holds more than ${MAX_SERIES_BUCKETS} buckets: choose a larger bucket or a shorter range.`, 'BAD_USER_INPUT', 'bucket');
  }
  const wanted = metricSet(query.metrics, ALL_METRICS);
  const source =
    query.forceSource ??
    chooseSource({
      from: query.from,
      to: query.to,
      bucket: query.bucket,
      wholeHourZone: hasWholeHourOffsets(query.timeZone, query.from.getTime(), query.to.getTime()),
      columns: queryColumns(query, query.groupBy),
      ...(query.retention ? { retention: query.retention } : {}),
    });
  const { from, time, where, params } = sourceWhere(ch.database, source, query);
  const answered = { source: sourceGrain(source), table: from };
  const bucketExpr = bucketSeconds(query.bucket, `toDateTime(${time})`);
  params.tz = query.timeZone;

  if (query.groupBy === null) {
    const rows = await selectAggregates<RawAggregate & { bucketS: string | number }>(
      ch,
      (precision) => `SELECT ${bucketExpr} AS bucketS, ${metricColumns(source, wanted, precision)}\n  FROM ${from}\n  WHERE ${where}\n  GROUP BY bucketS\n  ORDER BY bucketS`,
      params,
      (row) => String(row.bucketS),
    );
    return { ...answered, groups: [{ key: null, other: false, points: rows.map(toPoint) }] };
  }

  const key = dimensionKey(query.groupBy);
  const groupWhere = DIMENSION_COLUMNS[query.groupBy].skipEmpty ? `${where}\n    AND ${DIMENSION_COLUMNS[query.groupBy].column} != ''` : where;
  // The groups shown: most requests over the whole range (one row past the limit says whether an `other` line is needed).
  const top = await selectRows<{ groupKey: string; requests: string }>(
    ch,
    `SELECT ${key} AS groupKey, ${metricColumns(source, new Set())}\n  FROM ${from}\n  WHERE ${groupWhere}\n  GROUP BY groupKey\n  ORDER BY toUInt64(requests) DESC, groupKey ASC\n  LIMIT {groupLimit:UInt32}`,
    { ...params, groupLimit: groupLimit + 1 },
  );
  const shown = top.slice(0, groupLimit).map((row) => row.groupKey);
  const rows = await selectAggregates<RawAggregate & { bucketS: string | number; groupKey: string; isOther: number | string }>(
    ch,
    (precision) => `SELECT ${bucketExpr} AS bucketS, ${key} NOT IN {shown:Array(String)} AS isOther, if(isOther, '', ${key}) AS groupKey, ${metricColumns(source, wanted, precision)}
  FROM ${from}
  WHERE ${groupWhere}
  GROUP BY bucketS, isOther, groupKey
  ORDER BY bucketS`,
    { ...params, shown },
    (row) => JSON.stringify([String(row.bucketS), Number(row.isOther), row.groupKey]),
  );
  const groups = new Map<string, TimeSeriesGroup>(shown.map((k) => [k, { key: k, other: false, points: [] }]));
  const other: TimeSeriesGroup = { key: null, other: true, points: [] };
  for (const row of rows) {
    const group = Number(row.isOther) === 1 ? other : groups.get(row.groupKey);
    group?.points.push(toPoint(row));
  }
  return { ...answered, groups: [...groups.values(), ...(top.length > groupLimit ? [other] : [])] };
}

/**
 * The bucket start (epoch seconds) of `t` (a DateTime in UTC) in the zone bound as `{tz}`.
 * - MINUTE: every zone in use has whole-minute offsets, so local minutes are UTC minutes.
 * - HOUR: shifted by the zone's offset at `t`, so half-hour zones get their own hours and the
 *   repeated hour at the end of summer time is two buckets, not one.
 * - DAY: the zone's local midnight (a DST day has 23 or 25 hours).
 */
export function bucketSeconds(bucket: TimeBucket, t: string): string {
  switch (bucket) {
    case 'MINUTE':
      return `toUnixTimestamp(toStartOfMinute(${t}))`;
    case 'HOUR': {
      const offset = `timeZoneOffset(toDateTime(${t}, {tz:String}))`;
      return `intDiv(toUnixTimestamp(${t}) + ${offset}, 3600) * 3600 - ${offset}`;
    }
    case 'DAY':
      return `toUnixTimestamp(toStartOfDay(toDateTime(${t}, {tz:String})))`;
  }
}

/**
 * The group limit to use: `limit`, or the default.
 * @throws InputError naming `param` outside 1–50.
 */
export function checkGroupLimit(limit: number | null | undefined, param: string): number {
  if (limit === undefined || limit === null) return SERIES_GROUP_LIMIT.default;
  if (!Number.isInteger(limit) || limit < SERIES_GROUP_LIMIT.min || limit > SERIES_GROUP_LIMIT.max) {
    throw new InputError(`\`${param}\` must be a whole number from ${SERIES_GROUP_LIMIT.min} to ${SERIES_GROUP_LIMIT.max}.`, 'BAD_USER_INPUT', param);
  }
  return limit;
}

function toPoint(row: RawAggregate & { bucketS: string | number }): TimeSeriesPoint {
  return { bucketStart: new Date(Number(row.bucketS) * 1000), ...decodeAggregate(row) };
}
