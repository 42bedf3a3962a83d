import { formatEventTime, REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import { InputError } from '../domain/input-error.ts';
import type { ClickHouse } from './clickhouse.ts';
import { scopeConditions, type EventScope, type ScopeParams } from './event-scope.ts';

/**
 * How spend rows are grouped: per API key, per model alias the client asked for, or per team,
 * project or project environment (an environment row is one project's `staging`, say; filter by
 * environment name to add up one stage across projects).
 */
export type SpendGroupBy = 'KEY' | 'MODEL' | 'TEAM' | 'PROJECT' | 'ENVIRONMENT';

/** Scope columns a row carries next to its group: what the group belongs to. */
type ScopeColumn = 'team_id' | 'project_id' | 'environment_id' | 'environment';

/**
 * The column each grouping groups by, and the scope columns its rows carry. A key belongs to one
 * environment, an environment to one project, a project to one team, so `any()` of those columns
 * within a group is their one value. Groups whose column is '' (events refused before a key was
 * recognised) count in the totals only: there is nothing to show them under.
 */
const GROUPINGS: Readonly<Record<SpendGroupBy, { column: string; skipEmpty: boolean; carries: readonly ScopeColumn[] }>> = {
  KEY: { column: 'key_id', skipEmpty: true, carries: ['team_id', 'project_id', 'environment_id', 'environment'] },
  MODEL: { column: 'alias', skipEmpty: false, carries: [] },
  TEAM: { column: 'team_id', skipEmpty: true, carries: ['team_id'] },
  PROJECT: { column: 'project_id', skipEmpty: true, carries: ['team_id', 'project_id'] },
  ENVIRONMENT: { column: 'environment_id', skipEmpty: true, carries: ['team_id', 'project_id', 'environment_id', 'environment'] },
};

/**
 * Result aliases of the carried scope columns. None may equal a column name: ClickHouse resolves
 * an alias before a column everywhere in the query, so `any(environment) AS environment` turned
 * the WHERE's `environment = …` into an aggregate and failed (ILLEGAL_AGGREGATION).
 */
const SCOPE_ALIASES: Readonly<Record<ScopeColumn, 'teamId' | 'projectId' | 'environmentId' | 'environmentName'>> = {
  team_id: 'teamId',
  project_id: 'projectId',
  environment_id: 'environmentId',
  environment: 'environmentName',
};

/**
 * How many groups a spend report returns, most expensive first. Bounded because the groups come
 * from data clients influence (one key made 20,000 model rows in 13 s before unknown model names
 * shared a bucket, and an org may have any number of keys); the totals still cover everything.
 */
export const SPEND_ROW_LIMIT = { min: 1, max: 1000, default: 100 } as const;

/** Parameters of {@link querySpend}; `[from, to)` is half-open. */
export interface SpendQuery {
  orgId: string;
  /** Visible teams and filters; totals and rows cover only these events. */
  scope: EventScope;
  from: Date;
  to: Date;
  groupBy: SpendGroupBy;
  /** Groups to return, {@link SPEND_ROW_LIMIT}; default 100. */
  limit?: number | null;
}

/** One group of a spend report (or the totals, where every id is null). */
export interface SpendAggregate {
  keyId: string | null;
  /** Alias the client sent as `model` (not the upstream model). */
  model: string | null;
  /** Team, project and environment of the group, where the grouping determines them. */
  teamId: string | null;
  projectId: string | null;
  environmentId: string | null;
  /** Environment name as the events recorded it. */
  environment: string | null;
  requests: number;
  /** Requests answered with HTTP status >= 400. */
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costMicros: bigint;
  /** What response cache hits and cheaper fallbacks saved (request_events.cost_saved_micros). */
  costSavedMicros: bigint;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

/** A spend report: totals over every request of the org in range, and one row per group. */
export interface SpendResult {
  totals: SpendAggregate;
  rows: SpendAggregate[];
  /** True when more groups exist than `limit`: `rows` holds the most expensive ones. */
  truncated: boolean;
}

/**
 * Aggregates shared by the grouped and the totals query.
 * - FINAL (in the FROM clause) collapses retried batches that ReplacingMergeTree has not merged
 *   yet, so a request is never counted twice.
 * - quantileExact, not quantileTDigest: the figures are exact and reproducible, so the console
 *   agrees with an analyst's own SQL and tests can assert them. Its memory grows with the
 *   requests per group in range, which the 366-day cap on the range bounds; at volumes where
 *   that hurts, switch to quantileTDigest or a rollup table.
 * - cost is summed as Int64 and sent as a string: chDB answers Int64 as a JSON number, which
 *   loses precision past 2^53; a string is exact on both engines.
 * - Quantiles of an empty set are NaN; the `if` turns them into NULL.
 */
const AGGREGATES = `
    count() AS requests,
    countIf(status_code >= 400) AS errors,
    sum(prompt_tokens) AS promptTokens,
    sum(completion_tokens) AS completionTokens,
    sum(cached_tokens) AS cachedTokens,
    toString(sum(cost_micros)) AS costMicros,
    toString(sum(cost_saved_micros)) AS costSavedMicros,
    if(count() = 0, NULL, toFloat64(quantileExact(0.5)(latency_ms))) AS p50LatencyMs,
    if(count() = 0, NULL, toFloat64(quantileExact(0.95)(latency_ms))) AS p95LatencyMs`;

/** The row filter: the tenant and the time range, all bound as query parameters. */
const WHERE = `org_id = {orgId:String} AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}`;

interface RawAggregate {
  groupKey?: string;
  teamId?: string;
  projectId?: string;
  environmentId?: string;
  environmentName?: string;
  requests: number | string;
  errors: number | string;
  promptTokens: number | string;
  completionTokens: number | string;
  cachedTokens: number | string;
  costMicros: string;
  costSavedMicros: string;
  p50LatencyMs: number | string | null;
  p95LatencyMs: number | string | null;
}

/**
 * Spend, tokens, errors and latency of one org over `[from, to)` within `scope`, grouped by key,
 * model, team, project or environment, most expensive first.
 */
export async function querySpend(ch: ClickHouse, query: SpendQuery): Promise<SpendResult> {
  const table = `${ch.database}.${REQUEST_EVENTS_TABLE}`;
  const grouping = GROUPINGS[query.groupBy];
  const limit = checkSpendLimit(query.limit, 'limit');
  const scope = scopeConditions(query.scope);
  const where = [WHERE, ...scope.conditions].join(' AND ');
  const params: ScopeParams = { ...scope.params, orgId: query.orgId, from: formatEventTime(query.from.getTime()), to: formatEventTime(query.to.getTime()) };
  const carried = grouping.carries.map((column) => `, any(${column}) AS ${SCOPE_ALIASES[column]}`).join('');
  const [grouped, totals] = await Promise.all([
    select(
      ch,
      `SELECT ${grouping.column} AS groupKey${carried}, ${AGGREGATES}
  FROM ${table} FINAL
  WHERE ${where}${grouping.skipEmpty ? ` AND ${grouping.column} != ''` : ''}
  GROUP BY groupKey
  ORDER BY toInt64(costMicros) DESC, requests DESC, groupKey ASC
  LIMIT {limit:UInt32}`,
      // One row past the limit tells whether rows were cut, without a count query.
      { ...params, limit: limit + 1 },
    ),
    select(ch, `SELECT ${AGGREGATES}\n  FROM ${table} FINAL\n  WHERE ${where}`, params),
  ]);
  const rows = grouped.slice(0, limit).map((raw) => decodeAggregate(raw, query.groupBy));
  const total = totals[0];
  if (total === undefined) throw new Error('ClickHouse returned no totals row');
  return { totals: decodeAggregate(total, null), rows, truncated: grouped.length > limit };
}

/**
 * Checks a spend row limit: absent means the default, anything outside the range is refused
 * (never clamped), naming `param`.
 */
export function checkSpendLimit(limit: number | null | undefined, param: string): number {
  if (limit === undefined || limit === null) return SPEND_ROW_LIMIT.default;
  if (!Number.isInteger(limit) || limit < SPEND_ROW_LIMIT.min || limit > SPEND_ROW_LIMIT.max) {
    throw new InputError(`\`${param}\` must be a whole number from ${SPEND_ROW_LIMIT.min} to ${SPEND_ROW_LIMIT.max}.`, 'BAD_USER_INPUT', param);
  }
  return limit;
}

async function select(ch: ClickHouse, sql: string, params: ScopeParams): Promise<RawAggregate[]> {
  const result = await ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
  return result.json<RawAggregate>();
}

/**
 * The one decoder of spend rows (`groupBy` null for the totals): ClickHouse answers UInt64 as
 * strings, chDB as numbers; '' scope values (no key recognised) are null.
 */
function decodeAggregate(raw: RawAggregate, groupBy: SpendGroupBy | null): SpendAggregate {
  const group = raw.groupKey ?? '';
  const scoped = (value: string | undefined): string | null => (value === undefined || value === '' ? null : value);
  return {
    keyId: groupBy === 'KEY' ? group : null,
    model: groupBy === 'MODEL' ? group : null,
    teamId: scoped(raw.teamId),
    projectId: scoped(raw.projectId),
    environmentId: scoped(raw.environmentId),
    environment: scoped(raw.environmentName),
    requests: toSafeNumber(raw.requests),
    errors: toSafeNumber(raw.errors),
    promptTokens: toSafeNumber(raw.promptTokens),
    completionTokens: toSafeNumber(raw.completionTokens),
    cachedTokens: toSafeNumber(raw.cachedTokens),
    costMicros: BigInt(raw.costMicros),
    costSavedMicros: BigInt(raw.costSavedMicros),
    p50LatencyMs: raw.p50LatencyMs === null ? null : Number(raw.p50LatencyMs),
    p95LatencyMs: raw.p95LatencyMs === null ? null : Number(raw.p95LatencyMs),
  };
}

function toSafeNumber(value: number | string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`Count out of safe integer range: ${String(value)}`);
  return n;
}
