import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { formatEventTime } from '@proxystacks/shared/events/request-events-ddl';
import { InputError } from '../domain/input-error.ts';
import { scopeConditions, type EventScope, type ScopeParams } from './event-scope.ts';

/** Which requests count by outcome: HTTP status below 400, or 400 and above. */
export type RequestStatusFilter = 'SUCCESS' | 'ERROR';

/**
 * Narrowing by the dimensions below the scope (event-scope.ts holds team / project /
 * environment): every analytics query (time series, top-N, request log, CSV export) takes the
 * same filters. The columns exist under the same names in request_events and both rollups.
 */
export interface AnalyticsFilters {
  keyId?: string | null;
  /** First 16 hex digits of the presented key's HMAC: one unknown key's requests (raw events only). */
  keyHashId?: string | null;
  /** Model alias the client asked for. */
  model?: string | null;
  /** Model name sent upstream. */
  upstreamModel?: string | null;
  providerId?: string | null;
  statusCode?: number | null;
  status?: RequestStatusFilter | null;
  /** Relay error code (`upstream_error`, …). */
  errorCode?: string | null;
}


/** Equality filters: filter field, column, parameter type. */
const EQUALS: ReadonlyArray<[keyof AnalyticsFilters, string, string]> = [
  ['keyId', 'key_id', 'String'],
  ['keyHashId', 'key_hash_id', 'String'],
  ['model', 'alias', 'String'],
  ['upstreamModel', 'upstream_model', 'String'],
  ['providerId', 'provider_id', 'String'],
  ['statusCode', 'status_code', 'UInt16'],
  ['errorCode', 'error_code', 'String'],
];

/**
 * The columns `filters` read: a rollup answers only if it keeps them all (none keeps
 * key_hash_id: refused keys are not a rollup dimension).
 */
export function filterColumns(filters: AnalyticsFilters): string[] {
  const columns = EQUALS.filter(([field]) => filters[field] !== undefined && filters[field] !== null).map(([, column]) => column);
  if (filters.status === 'SUCCESS' || filters.status === 'ERROR') columns.push('status_code');
  return columns;
}

/**
 * WHERE conditions (ANDed by the caller) and bound parameters for `filters`; parameter names
 * are prefixed `f_` so they never collide with the scope's.
 */
export function filterConditions(filters: AnalyticsFilters): { conditions: string[]; params: ScopeParams } {
  const conditions: string[] = [];
  const params: ScopeParams = {};
  for (const [field, column, type] of EQUALS) {
    const value = filters[field];
    if (value === undefined || value === null) continue;
    conditions.push(`${column} = {f_${field}:${type}}`);
    params[`f_${field}`] = value;
  }
  if (filters.status === 'SUCCESS') conditions.push('status_code < 400');
  if (filters.status === 'ERROR') conditions.push('status_code >= 400');
  return { conditions, params };
}

/**
 * Whether `event` passes `filters`: filterConditions evaluated in memory (the live tail matches
 * events before they are queried), from the same table of fields and columns.
 */
export function eventMatchesFilters(event: RequestEvent, filters: AnalyticsFilters): boolean {
  for (const [field, column] of EQUALS) {
    const value = filters[field];
    if (value === undefined || value === null) continue;
    if (String(event[column as keyof RequestEvent]) !== String(value)) return false;
  }
  if (filters.status === 'SUCCESS' && event.status_code >= 400) return false;
  if (filters.status === 'ERROR' && event.status_code < 400) return false;
  return true;
}

/** The tenant, the caller's scope and a half-open time range: what every analytics query is bound to. */
export interface ScopedRange {
  /** '' for requests no organization owns (unknown keys; see refusedRequests). */
  orgId: string;
  /** Visible teams and the team / project / environment filters. */
  scope: EventScope;
  from: Date;
  to: Date;
}

/**
 * WHERE conditions and parameters for `range` on the time column `time` (`ts` of the raw events,
 * `bucket` of a rollup) narrowed by `filters`: every value bound, only column names in the text.
 */
export function scopedRangeWhere(time: string, range: ScopedRange, filters: AnalyticsFilters): { conditions: string[]; params: ScopeParams } {
  const scope = scopeConditions(range.scope);
  const filtered = filterConditions(filters);
  return {
    conditions: [
      'org_id = {orgId:String}',
      `${time} >= {from:DateTime64(3, 'UTC')}`,
      `${time} < {to:DateTime64(3, 'UTC')}`,
      ...scope.conditions,
      ...filtered.conditions,
    ],
    params: {
      ...scope.params,
      ...filtered.params,
      orgId: range.orgId,
      from: formatEventTime(range.from.getTime()),
      to: formatEventTime(range.to.getTime()),
    },
  };
}

/** Filter values as an API receives them (GraphQL arguments, export query strings). */
export interface FilterArgValues {
  keyId?: string | number | null;
  model?: string | null;
  upstreamModel?: string | null;
  providerId?: string | number | null;
  statusCode?: number | null;
  status?: RequestStatusFilter | null;
  errorCode?: string | null;
}

/**
 * The dimension filters of `args` (the scope ones go through eventScopeOf).
 * @throws InputError on a status code outside 100–599.
 */
export function analyticsFiltersOf(args: FilterArgValues): AnalyticsFilters {
  if (args.statusCode !== null && args.statusCode !== undefined && (args.statusCode < 100 || args.statusCode > 599)) {
    throw new InputError('`statusCode` must be an HTTP status from 100 to 599.', 'BAD_USER_INPUT', 'statusCode');
  }
  const text = (value: string | number | null | undefined): string | null => (value === null || value === undefined ? null : String(value));
  return {
    keyId: text(args.keyId),
    model: args.model ?? null,
    upstreamModel: args.upstreamModel ?? null,
    providerId: text(args.providerId),
    statusCode: args.statusCode ?? null,
    status: args.status ?? null,
    errorCode: args.errorCode ?? null,
  };
}
