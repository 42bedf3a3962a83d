import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeRequestEventRow } from '@proxystacks/shared/events/request-event';
import { REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import { DIMENSION_COLUMNS, dimensionKey, type AnalyticsDimension } from '../analytics/analytics-dimensions.ts';
import { chooseSource, metricColumns, queryColumns, sourceWhere, type TimeBucket } from '../analytics/analytics-source.ts';
import { requestLogWhere, REQUEST_LOG_COLUMNS } from '../analytics/request-log-query.ts';
import { bucketSeconds } from '../analytics/time-series-query.ts';
import { assertTimeZone, hasWholeHourOffsets } from '../analytics/time-zone.ts';
import type { Principal } from '../auth/roles.ts';
import { InputError } from '../domain/input-error.ts';
import { loadScopeLabels } from '../domain/scope-labels.ts';
import { eventScopeOf } from '../graphql/analytics-scope.ts';
import { csvLine, microsToDecimal, startCsvResponse } from './csv.ts';
import { authenticateExport, authorizeAnalyticsExport, sendExportError, type ExportDeps } from './export-auth.ts';
import { readChoice, readExportQuery, type ExportQuery } from './export-query.ts';

/** Paths of the analytics exports. */
export const EXPORT_PATHS = { requests: '/export/requests.csv', spend: '/export/spend.csv' } as const;

const DIMENSIONS = Object.keys(DIMENSION_COLUMNS) as AnalyticsDimension[];

/**
 * Serves the CSV exports of the request log and of spend, authenticated and authorized like the
 * GraphQL fields they mirror (`requests`: requests:read, `timeSeries`: spend:read) and scoped
 * to the teams the caller may see. Rows stream from ClickHouse to the socket chunk by chunk.
 * @returns false when `path` is not an export path.
 */
export async function handleExport(req: IncomingMessage, res: ServerResponse, path: string, deps: ExportDeps): Promise<boolean> {
  const kind = path === EXPORT_PATHS.requests ? 'requests' : path === EXPORT_PATHS.spend ? 'spend' : null;
  if (kind === null) return false;
  if (req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET', 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ errors: [{ message: 'Use GET.', extensions: { code: 'method_not_allowed' } }] }));
    return true;
  }
  const principal = await authenticateExport(req, res, deps);
  if (principal === null) return true;
  try {
    const query = readExportQuery(req.url ?? '/');
    const permission = kind === 'requests' ? 'requests:read' : 'spend:read';
    await authorizeAnalyticsExport(deps, principal, permission, query.scopeArgs);
    if (kind === 'requests') await exportRequests(res, deps, principal, query);
    else await exportSpend(res, deps, principal, query);
  } catch (err) {
    if (!(err instanceof InputError) || res.headersSent) throw err;
    sendExportError(res, err);
  }
  return true;
}

const REQUEST_HEADER = [
  'request_id', 'time', 'key_id', 'key_name', 'team_id', 'team_name', 'project_id', 'project_name', 'environment', 'model', 'provider_id',
  'upstream_model', 'status_code', 'error_code', 'attempts', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost_micros', 'cost',
  'latency_ms', 'ttft_ms', 'streamed', 'finish_reason',
] as const;

/** The request log over the range, newest first, every row (FINAL: a retried request once). */
async function exportRequests(res: ServerResponse, deps: ExportDeps, principal: Principal, query: ExportQuery): Promise<void> {
  const orgId = principal.orgId;
  const { where, params } = requestLogWhere({ orgId, scope: eventScopeOf({ principal }, 'requests:read', query.scopeArgs), from: query.from, to: query.to, ...query.filters });
  const ch = deps.clickhouse;
  const csv = startCsvResponse(res, `requests-${query.from.toISOString()}-${query.to.toISOString()}.csv`, REQUEST_HEADER);
  const result = await ch.client.query({
    query: `SELECT ${REQUEST_LOG_COLUMNS} FROM ${ch.database}.${REQUEST_EVENTS_TABLE} FINAL WHERE ${where.join(' AND ')} ORDER BY ts DESC, request_id DESC`,
    query_params: params,
    format: 'JSONEachRow',
    abort_signal: csv.signal,
  });
  await forEachChunk(result.stream(), async (rows) => {
    const events = rows.map(decodeRequestEventRow);
    const labels = await loadScopeLabels(deps.prisma, orgId, { keyIds: events.map((e) => e.key_id), teamIds: events.map((e) => e.team_id), projectIds: events.map((e) => e.project_id) });
    await csv.write(
      events
        .map((e) =>
          csvLine([
            e.request_id, `${e.ts.replace(' ', 'T')}Z`, e.key_id, labels.keys.get(e.key_id)?.name ?? null, e.team_id, labels.teams.get(e.team_id) ?? null,
            e.project_id, labels.projects.get(e.project_id) ?? null, e.environment, e.alias, e.provider_id, e.upstream_model, e.status_code, e.error_code,
            e.attempts, e.prompt_tokens, e.completion_tokens, e.cached_tokens, e.cost_micros, microsToDecimal(BigInt(e.cost_micros)), e.latency_ms,
            e.ttft_ms, e.streamed, e.finish_reason,
          ]),
        )
        .join(''),
    );
  });
  csv.end();
}

/**
 * Spend per local day (or hour) of `timeZone` and per group of `groupBy` (default MODEL): the
 * timeSeries figures without percentiles, from the same rollup or raw source.
 */
async function exportSpend(res: ServerResponse, deps: ExportDeps, principal: Principal, query: ExportQuery): Promise<void> {
  const bucket = readChoice<TimeBucket>(query.params, 'bucket', ['DAY', 'HOUR'], 'DAY');
  const groupBy = readChoice<AnalyticsDimension>(query.params, 'groupBy', DIMENSIONS, 'MODEL');
  const timeZone = query.params.get('timeZone') || 'UTC';
  assertTimeZone(timeZone, 'timeZone');
  const ch = deps.clickhouse;
  const scoped = { orgId: principal.orgId, scope: eventScopeOf({ principal }, 'spend:read', query.scopeArgs), filters: query.filters, from: query.from, to: query.to };
  const source = chooseSource({
    from: query.from, to: query.to, bucket, wholeHourZone: hasWholeHourOffsets(timeZone, query.from.getTime(), query.to.getTime()),
    columns: queryColumns(scoped, groupBy), ...(deps.analyticsRetention ? { retention: deps.analyticsRetention } : {}),
  });
  const { from, time, where, params } = sourceWhere(ch.database, source, scoped);
  const metrics = metricColumns(source, new Set(['REQUESTS', 'ERRORS', 'TOKENS', 'COST', 'COST_SAVED']));
  const csv = startCsvResponse(res, `spend-${query.from.toISOString()}-${query.to.toISOString()}.csv`, [
    'bucket_start', 'group', 'group_name', 'requests', 'errors', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost_micros', 'cost', 'cost_saved_micros',
  ]);
  const result = await ch.client.query({
    query: `SELECT ${bucketSeconds(bucket, `toDateTime(${time})`)} AS bucketS, ${dimensionKey(groupBy)} AS groupKey, ${metrics}
      FROM ${from} WHERE ${where} GROUP BY bucketS, groupKey ORDER BY bucketS, toInt64(costMicros) DESC, groupKey`,
    query_params: { ...params, tz: timeZone },
    format: 'JSONEachRow',
    abort_signal: csv.signal,
  });
  type Row = { bucketS: string | number; groupKey: string; requests: string; errors: string; promptTokens: string; completionTokens: string; cachedTokens: string; costMicros: string; costSavedMicros: string };
  await forEachChunk<Row>(result.stream(), async (rows) => {
    const keys = rows.map((r) => r.groupKey);
    const labels = await loadScopeLabels(deps.prisma, principal.orgId, { keyIds: groupBy === 'KEY' ? keys : [], teamIds: groupBy === 'TEAM' ? keys : [], projectIds: groupBy === 'PROJECT' ? keys : [] });
    const name = (key: string) => labels.keys.get(key)?.name ?? labels.teams.get(key) ?? labels.projects.get(key) ?? null;
    await csv.write(
      rows
        .map((r) =>
          csvLine([
            new Date(Number(r.bucketS) * 1000).toISOString(), r.groupKey, name(r.groupKey), r.requests, r.errors, r.promptTokens, r.completionTokens,
            r.cachedTokens, r.costMicros, microsToDecimal(BigInt(r.costMicros)), r.costSavedMicros,
          ]),
        )
        .join(''),
    );
  });
  csv.end();
}

/** Feeds each chunk of JSONEachRow rows of a ClickHouse result stream to `handle`, one at a time. */
async function forEachChunk<T = Record<string, unknown>>(stream: AsyncIterable<Array<{ json<R>(): R }>>, handle: (rows: T[]) => Promise<void>): Promise<void> {
  for await (const chunk of stream) await handle(chunk.map((row) => row.json<T>()));
}
