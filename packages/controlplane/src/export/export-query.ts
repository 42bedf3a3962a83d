import { analyticsFiltersOf, type AnalyticsFilters } from '../analytics/analytics-filters.ts';
import { assertQueryRange } from '../analytics/query-range.ts';
import { InputError } from '../domain/input-error.ts';
import type { AnalyticsScopeArgs } from '../graphql/analytics-scope.ts';

/** The range, scope and filters of an analytics export, read from its query string. */
export interface ExportQuery {
  from: Date;
  to: Date;
  /** Team, project, environment and key, as the GraphQL fields take them (checked by authorizeAnalyticsExport). */
  scopeArgs: AnalyticsScopeArgs;
  filters: AnalyticsFilters;
  params: URLSearchParams;
}

/**
 * Reads `from`, `to` (ISO-8601, required), the scope parameters (`teamId`, `projectId`,
 * `environmentId`, `environment`, `keyId`) and the filters (`model`, `upstreamModel`,
 * `providerId`, `statusCode`, `status`, `errorCode`): the GraphQL argument names.
 * @throws InputError naming the first bad parameter.
 */
export function readExportQuery(url: string): ExportQuery {
  const params = new URL(url, 'http://export').searchParams;
  const text = (name: string): string | null => {
    const value = params.get(name);
    if (value === null || value === '') return null;
    if (value.length > 512) throw new InputError(`\`${name}\` is too long.`, 'BAD_USER_INPUT', name);
    return value;
  };
  const time = (name: string): Date => {
    const value = text(name);
    const date = value === null ? null : new Date(value);
    if (date === null || Number.isNaN(date.getTime())) throw new InputError(`\`${name}\` must be an ISO-8601 time.`, 'BAD_USER_INPUT', name);
    return date;
  };
  const from = time('from');
  const to = time('to');
  assertQueryRange(from, to);
  const statusCodeText = text('statusCode');
  const statusCode = statusCodeText === null ? null : Number(statusCodeText);
  if (statusCode !== null && !Number.isInteger(statusCode)) throw new InputError('`statusCode` must be an HTTP status from 100 to 599.', 'BAD_USER_INPUT', 'statusCode');
  const status = text('status');
  if (status !== null && status !== 'SUCCESS' && status !== 'ERROR') throw new InputError('`status` is SUCCESS or ERROR.', 'BAD_USER_INPUT', 'status');
  const scopeArgs: AnalyticsScopeArgs = {
    teamId: text('teamId'),
    projectId: text('projectId'),
    environmentId: text('environmentId'),
    environment: text('environment'),
    keyId: text('keyId'),
  };
  const filters = analyticsFiltersOf({
    keyId: scopeArgs.keyId ?? null,
    model: text('model'),
    upstreamModel: text('upstreamModel'),
    providerId: text('providerId'),
    statusCode,
    status,
    errorCode: text('errorCode'),
  });
  return { from, to, scopeArgs, filters, params };
}

/** One of `allowed`, read from parameter `name`, or `fallback` when absent. */
export function readChoice<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const value = params.get(name);
  if (value === null || value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new InputError(`\`${name}\` is one of ${allowed.join(', ')}.`, 'BAD_USER_INPUT', name);
  return value as T;
}
