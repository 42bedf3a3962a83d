import type { AnalyticsAggregate } from '../../analytics/analytics-aggregate.ts';
import type { AnalyticsDimension } from '../../analytics/analytics-dimensions.ts';
import { checkGroupLimit, queryTimeSeries, SERIES_GROUP_LIMIT, MAX_SERIES_BUCKETS, type TimeSeriesGroup, type TimeSeriesPoint } from '../../analytics/time-series-query.ts';
import { checkTopLimit, queryTop, TOP_LIMIT, type TopRow } from '../../analytics/top-query.ts';
import { assertQueryRange } from '../../analytics/query-range.ts';
import { assertTimeZone } from '../../analytics/time-zone.ts';
import { loadScopeLabels, type ScopeLabels } from '../../domain/scope-labels.ts';
import type { GraphQLContext } from '../context.ts';
import { analyticsAuthScopes, eventScopeOf, type AnalyticsScopeArgs } from '../analytics-scope.ts';
import type { FilterArgValues } from '../../analytics/analytics-filters.ts';
import { builder } from '../builder.ts';
import { analyticsFilterArgs, analyticsFiltersOf } from './analytics-args.ts';

const AnalyticsDimensionEnum = builder.enumType('AnalyticsDimension', {
  values: {
    TEAM: {},
    PROJECT: {},
    ENVIRONMENT: { description: 'One project environment.' },
    ENVIRONMENT_NAME: { description: 'An environment name (`production`) across projects.' },
    KEY: {},
    MODEL: { description: 'Model alias the client asked for.' },
    UPSTREAM_MODEL: { description: 'Model name sent to the provider.' },
    PROVIDER: { description: 'Provider of the final attempt.' },
    STATUS_CODE: { description: 'HTTP status sent to the client.' },
    ERROR_CODE: { description: 'Relay error code (successful requests have none and are left out).' },
  } as const,
});

const TimeBucketEnum = builder.enumType('TimeBucket', {
  values: { MINUTE: {}, HOUR: {}, DAY: { description: 'A local day: 23 or 25 hours on a daylight-saving change.' } } as const,
});

const AnalyticsMetricEnum = builder.enumType('AnalyticsMetric', {
  description: 'Measures to compute; fields of measures not asked for are null. Requests are always counted.',
  values: {
    REQUESTS: {},
    ERRORS: {},
    TOKENS: { description: 'Prompt, completion and cached tokens.' },
    COST: {},
    COST_SAVED: { description: 'Cost avoided by the response cache and cheaper fallbacks, and the requests the response cache answered.' },
    LATENCY_AVG: { description: 'Mean latency and mean time to first token (no sketch: cheaper than LATENCY, and answered by every rollup).' },
    LATENCY: { description: 'Latency p50/p95/p99.' },
    TTFT: { description: 'Time to first token p50/p95/p99 (streamed requests with a first token).' },
  } as const,
});

const TopOrderEnum = builder.enumType('TopOrder', {
  values: { REQUESTS: {}, ERRORS: {}, COST: {}, TOKENS: { description: 'Prompt plus completion tokens.' }, LATENCY_P95: {} } as const,
});

const AnalyticsSourceEnum = builder.enumType('AnalyticsSource', {
  description: 'Where an answer was read from: the raw events, or the per-minute or per-hour rollup.',
  values: { RAW: {}, MINUTE_ROLLUP: {}, HOUR_ROLLUP: {} } as const,
});

const SOURCE_NAMES = { raw: 'RAW', minute: 'MINUTE_ROLLUP', hour: 'HOUR_ROLLUP' } as const;

const PERCENTILE_NOTE = 'quantileTiming estimate: exact below 1024 ms, within 16 ms to 30 s, within 100 ms to 102 s and 1.6 % beyond; null without values.';

/** The measure fields, the same on a series point, a top-N row and the totals. */
const AnalyticsMeasuresRef = builder.interfaceRef<AnalyticsAggregate>('AnalyticsMeasures').implement({
  description: 'Requests, errors, tokens, cost and percentiles of a bucket or group; null for measures not asked for in `metrics`.',
  fields: (t) => ({
    requests: t.expose('requests', { type: 'Count' }),
    errors: t.expose('errors', { type: 'Count', nullable: true, description: 'Requests answered with HTTP status 400 or above.' }),
    promptTokens: t.expose('promptTokens', { type: 'Count', nullable: true }),
    completionTokens: t.expose('completionTokens', { type: 'Count', nullable: true }),
    cachedTokens: t.expose('cachedTokens', { type: 'Count', nullable: true }),
    costMicros: t.expose('costMicros', { type: 'Micros', nullable: true }),
    costSavedMicros: t.expose('costSavedMicros', { type: 'Micros', nullable: true, description: 'What response cache hits and cheaper fallbacks saved (metric COST_SAVED).' }),
    cacheHits: t.expose('cacheHits', { type: 'Count', nullable: true, description: 'Requests the response cache answered (metric COST_SAVED).' }),
    latencyAvgMs: t.exposeFloat('latencyAvgMs', { nullable: true, description: 'Mean latency (metric LATENCY_AVG).' }),
    ttftAvgMs: t.exposeFloat('ttftAvgMs', { nullable: true, description: 'Mean time to first token of the requests that had one (metric LATENCY_AVG).' }),
    latencyP50Ms: t.exposeFloat('latencyP50Ms', { nullable: true, description: PERCENTILE_NOTE }),
    latencyP95Ms: t.exposeFloat('latencyP95Ms', { nullable: true }),
    latencyP99Ms: t.exposeFloat('latencyP99Ms', { nullable: true }),
    ttftP50Ms: t.exposeFloat('ttftP50Ms', { nullable: true, description: PERCENTILE_NOTE }),
    ttftP95Ms: t.exposeFloat('ttftP95Ms', { nullable: true }),
    ttftP99Ms: t.exposeFloat('ttftP99Ms', { nullable: true }),
  }),
});

const TimeSeriesPointRef = builder.objectRef<TimeSeriesPoint>('TimeSeriesPoint').implement({
  description: 'One bucket of a series.',
  interfaces: [AnalyticsMeasuresRef],
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'bucketStart' in value,
  fields: (t) => ({
    bucketStart: t.expose('bucketStart', { type: 'DateTime', description: 'Start of the local minute, hour or day, as an instant.' }),
  }),
});

type LabelledGroup = TimeSeriesGroup & { label: string | null };

const TimeSeriesGroupRef = builder.objectRef<LabelledGroup>('TimeSeriesGroup').implement({
  description: 'One line of a chart: buckets oldest first; buckets without requests are absent.',
  fields: (t) => ({
    key: t.exposeString('key', { nullable: true, description: 'The group (key id, model, status code…); null for an ungrouped series and for `other`.' }),
    label: t.exposeString('label', { nullable: true, description: 'Name of the key, team or project.' }),
    other: t.exposeBoolean('other', { description: 'The sum of the groups past `groupLimit`.' }),
    points: t.field({ type: [TimeSeriesPointRef], resolve: (group) => group.points }),
  }),
});

const TimeSeriesRef = builder
  .objectRef<{ from: Date; to: Date; timeZone: string; source: keyof typeof SOURCE_NAMES; groups: LabelledGroup[] }>('TimeSeries')
  .implement({
    fields: (t) => ({
      from: t.expose('from', { type: 'DateTime' }),
      to: t.expose('to', { type: 'DateTime' }),
      timeZone: t.exposeString('timeZone'),
      source: t.field({ type: AnalyticsSourceEnum, resolve: (series) => SOURCE_NAMES[series.source] }),
      groups: t.field({ type: [TimeSeriesGroupRef], resolve: (series) => series.groups }),
    }),
  });

type LabelledRow = TopRow & { label: string | null };

const TopRowRef = builder.objectRef<LabelledRow>('TopRow').implement({
  interfaces: [AnalyticsMeasuresRef],
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'key' in value && !('points' in value),
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The group: key id, model, error code, status code…' }),
    label: t.exposeString('label', { nullable: true, description: 'Name of the key, team or project.' }),
  }),
});

const TopTotalsRef = builder.objectRef<AnalyticsAggregate>('AnalyticsTotals').implement({
  description: 'Every request in scope and range, grouped or not.',
  interfaces: [AnalyticsMeasuresRef],
  isTypeOf: (value) => typeof value === 'object' && value !== null && !('key' in value) && !('bucketStart' in value),
  fields: () => ({}),
});

const TopReportRef = builder
  .objectRef<{ from: Date; to: Date; source: keyof typeof SOURCE_NAMES; rows: LabelledRow[]; totals: AnalyticsAggregate; truncated: boolean }>('TopReport')
  .implement({
    fields: (t) => ({
      from: t.expose('from', { type: 'DateTime' }),
      to: t.expose('to', { type: 'DateTime' }),
      source: t.field({ type: AnalyticsSourceEnum, resolve: (report) => SOURCE_NAMES[report.source] }),
      rows: t.field({ type: [TopRowRef], resolve: (report) => report.rows }),
      totals: t.field({ type: TopTotalsRef, resolve: (report) => report.totals }),
      truncated: t.exposeBoolean('truncated', { description: 'More groups exist than `limit`.' }),
    }),
  });

builder.queryFields((t) => ({
  timeSeries: t.field({
    authScopes: analyticsAuthScopes('spend:read'),
    type: TimeSeriesRef,
    description: `Requests, errors, tokens, cost, cost saved, latency and time to first token per local minute, hour or day of \`timeZone\` over [from, to), optionally one line per group (at most \`groupLimit\`, the rest summed as \`other\`); of the teams you may see, narrowed by the filters. At most ${MAX_SERIES_BUCKETS} buckets. Read from the per-hour or per-minute rollup when the range and bucket fall on its grain, else from the raw events.`,
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      bucket: t.arg({ type: TimeBucketEnum, required: true }),
      timeZone: t.arg.string({ defaultValue: 'UTC', description: 'IANA time zone of the buckets (`Europe/Berlin`).' }),
      groupBy: t.arg({ type: AnalyticsDimensionEnum }),
      groupLimit: t.arg.int({ description: `Groups shown, most requests first: ${SERIES_GROUP_LIMIT.min}–${SERIES_GROUP_LIMIT.max} (default ${SERIES_GROUP_LIMIT.default}).` }),
      metrics: t.arg({ type: [AnalyticsMetricEnum], description: 'Default: all.' }),
      ...analyticsFilterArgs(t.arg),
    },
    resolve: async (_root, args, ctx) => {
      assertQueryRange(args.from, args.to);
      const timeZone = args.timeZone ?? 'UTC';
      assertTimeZone(timeZone, 'timeZone');
      checkGroupLimit(args.groupLimit, 'groupLimit');
      const result = await queryTimeSeries(ctx.deps.clickhouse, {
        ...aggregateScopeOf(ctx, args),
        bucket: args.bucket,
        timeZone,
        groupBy: args.groupBy ?? null,
        groupLimit: args.groupLimit ?? null,
        metrics: args.metrics ?? null,
      });
      const labels = await labelsOf(ctx, args.groupBy ?? null, result.groups.map((group) => group.key));
      return {
        from: args.from,
        to: args.to,
        timeZone,
        source: result.source,
        groups: result.groups.map((group) => ({ ...group, label: labelOf(labels, args.groupBy ?? null, group.key) })),
      };
    },
  }),
  topN: t.field({
    authScopes: analyticsAuthScopes('spend:read'),
    type: TopReportRef,
    description:
      'The top keys, models, error codes (or any dimension) over [from, to), ranked by `orderBy`, with the totals; of the teams you may see, narrowed by the filters. For the top errors: `by: ERROR_CODE` (or `STATUS_CODE` with `status: ERROR`).',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      by: t.arg({ type: AnalyticsDimensionEnum, required: true }),
      orderBy: t.arg({ type: TopOrderEnum, defaultValue: 'REQUESTS' }),
      limit: t.arg.int({ description: `${TOP_LIMIT.min}–${TOP_LIMIT.max} (default ${TOP_LIMIT.default}).` }),
      metrics: t.arg({ type: [AnalyticsMetricEnum], description: 'Default: all.' }),
      ...analyticsFilterArgs(t.arg),
    },
    resolve: async (_root, args, ctx) => {
      assertQueryRange(args.from, args.to);
      checkTopLimit(args.limit, 'limit');
      const result = await queryTop(ctx.deps.clickhouse, {
        ...aggregateScopeOf(ctx, args),
        by: args.by,
        orderBy: args.orderBy ?? 'REQUESTS',
        limit: args.limit ?? null,
        metrics: args.metrics ?? null,
      });
      const labels = await labelsOf(ctx, args.by, result.rows.map((row) => row.key));
      return {
        from: args.from,
        to: args.to,
        source: result.source,
        rows: result.rows.map((row) => ({ ...row, label: labelOf(labels, args.by, row.key) })),
        totals: result.totals,
        truncated: result.truncated,
      };
    },
  }),
}));

/** The tenant, scope, filters, range and retention of a spend:read aggregate field. */
function aggregateScopeOf(ctx: GraphQLContext, args: AnalyticsScopeArgs & FilterArgValues & { from: Date; to: Date }) {
  return {
    orgId: ctx.principal.orgId,
    scope: eventScopeOf(ctx, 'spend:read', args),
    filters: analyticsFiltersOf(args),
    from: args.from,
    to: args.to,
    ...(ctx.deps.analyticsRetention ? { retention: ctx.deps.analyticsRetention } : {}),
  };
}

/** Names of the keys, teams or projects a grouped answer shows, in one Postgres round trip. */
function labelsOf(ctx: GraphQLContext, dimension: AnalyticsDimension | null, keys: Array<string | null>): Promise<ScopeLabels> {
  return loadScopeLabels(ctx.prisma, ctx.principal.orgId, {
    keyIds: dimension === 'KEY' ? keys : [],
    teamIds: dimension === 'TEAM' ? keys : [],
    projectIds: dimension === 'PROJECT' ? keys : [],
  });
}

function labelOf(labels: ScopeLabels, dimension: AnalyticsDimension | null, key: string | null): string | null {
  if (key === null) return null;
  if (dimension === 'KEY') return labels.keys.get(key)?.name ?? null;
  if (dimension === 'TEAM') return labels.teams.get(key) ?? null;
  if (dimension === 'PROJECT') return labels.projects.get(key) ?? null;
  return null;
}
