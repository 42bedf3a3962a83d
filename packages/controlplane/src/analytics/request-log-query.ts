import { decodeRequestEventRow, type RequestEvent } from '@proxystacks/shared/events/request-event';
import { formatEventTime, REQUEST_EVENT_INSERT_COLUMNS, REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import { InputError } from '../domain/input-error.ts';
import type { ClickHouse } from './clickhouse.ts';
import { scopeConditions, type EventScope, type ScopeParams } from './event-scope.ts';
import { scopedRangeWhere, type AnalyticsFilters, type ScopedRange } from './analytics-filters.ts';
import { assertQueryRange } from './query-range.ts';

export type { RequestStatusFilter } from './analytics-filters.ts';

/** Page sizes {@link listRequests} accepts; larger pages are refused, never clamped. */
export const REQUEST_PAGE_LIMIT = { min: 1, max: 200, default: 50 } as const;

/** The data plane's request ids: `req_` + 32 lowercase hex (dataplane `newRequestId`). */
const REQUEST_ID_PATTERN = /^req_[0-9a-f]{32}$/;
const EVENT_TIME_PATTERN = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

/** Parameters of {@link findRequest}. */
export interface FindRequestQuery {
  /** '' for requests no organization owns (unknown keys; see refusedRequests). */
  orgId: string;
  requestId: string;
  /** Visible teams: a request of another team is answered as absent. */
  scope: EventScope;
}

/**
 * Parameters of {@link listRequests}; `[from, to)` is half-open. The filters (key, unknown key,
 * model alias, upstream model, provider, status code, outcome, error code) are the analytics ones.
 */
export interface ListRequestsQuery extends RequestLogRange {
  /** Page size, 1–200; 50 when absent. */
  limit?: number | null;
  /** `nextCursor` of the previous page: this page holds the requests that sort after it. */
  before?: string | null;
}

/** Which requests a log (page or CSV export) covers. */
export interface RequestLogRange extends AnalyticsFilters, ScopedRange {}

/** One page of requests, newest first; `nextCursor` is null on the last page. */
export interface RequestPage {
  events: RequestEvent[];
  nextCursor: string | null;
}

/** Position of a row in the newest-first order: its timestamp, then its request id. */
interface RequestCursor {
  /** `YYYY-MM-DD hh:mm:ss.sss` in UTC, exactly as ClickHouse returned it. */
  ts: string;
  requestId: string;
}

/** The columns read back, in the one order the shared decoder knows. */
const COLUMNS = REQUEST_EVENT_INSERT_COLUMNS.join(', ');

/** True when `id` has the shape of a data plane request id (`req_` + 32 hex). */
export function isRequestId(id: string): boolean {
  return REQUEST_ID_PATTERN.test(id);
}

/**
 * One request of `orgId` by its id (the `x-request-id` a client saw), or null when the org
 * has no such request. The sort key has no request_id prefix: the `request_id_bloom` skip index
 * (migration 0003) narrows the read to the few granules that may hold the id, instead of every
 * granule of the org. No FINAL (it would merge the org's parts before the index helps): a retry
 * not yet merged is an identical copy, and LIMIT 1 returns one of them.
 * @throws InputError when `requestId` is not shaped like a request id.
 */
export async function findRequest(ch: ClickHouse, query: FindRequestQuery): Promise<RequestEvent | null> {
  if (!isRequestId(query.requestId)) {
    throw new InputError('A request id is `req_` followed by 32 lowercase hex characters.', 'BAD_USER_INPUT', 'id');
  }
  const scope = scopeConditions(query.scope);
  const rows = await select(
    ch,
    `SELECT ${COLUMNS}
  FROM ${ch.database}.${REQUEST_EVENTS_TABLE}
  WHERE ${findRequestWhere(scope.conditions)}
  LIMIT 1`,
    { ...scope.params, orgId: query.orgId, requestId: query.requestId },
  );
  return rows[0] ?? null;
}

/** The WHERE clause of {@link findRequest} (also what the skip-index test EXPLAINs). */
export function findRequestWhere(scopeConditionsSql: readonly string[]): string {
  return ['org_id = {orgId:String}', 'request_id = {requestId:String}', ...scopeConditionsSql].join(' AND ');
}

/**
 * Requests of one org over `[from, to)` within `scope`, newest first, optionally narrowed by
 * the analytics filters. Keyset pagination on (ts, request_id), both descending: a page starts strictly
 * after the cursor row, so rows sharing a timestamp are neither repeated nor skipped, and
 * requests arriving meanwhile do not shift later pages (offset paging would).
 * A retried request not yet merged away is kept once by `LIMIT 1 BY request_id` (its latest
 * copy), not by FINAL: FINAL merges every part of the range before filtering, 250–430 ms for a
 * key's week at 2M events where this reads only the matching rows' columns (~20 ms; issue-10 bench).
 * Every value is bound as a query parameter; only the database name, a checked identifier, is
 * put in the SQL text.
 * @throws InputError on an empty, reversed or over-long range, a bad limit or a bad cursor.
 */
export async function listRequests(ch: ClickHouse, query: ListRequestsQuery): Promise<RequestPage> {
  assertQueryRange(query.from, query.to);
  const limit = checkRequestLimit(query.limit, 'limit');
  const cursor = query.before === undefined || query.before === null ? null : decodeRequestCursor(query.before, 'before');
  const { where, params } = requestLogWhere(query);
  // One row past the page tells whether another page exists, without a count query.
  params.limit = limit + 1;
  if (cursor !== null) {
    where.push(
      `(ts < {cursorTs:DateTime64(3, 'UTC')} OR (ts = {cursorTs:DateTime64(3, 'UTC')} AND request_id < {cursorId:String}))`,
    );
    params.cursorTs = cursor.ts;
    params.cursorId = cursor.requestId;
  }
  const rows = await select(
    ch,
    `SELECT ${COLUMNS}
  FROM ${ch.database}.${REQUEST_EVENTS_TABLE}
  WHERE ${where.join('\n    AND ')}
  ORDER BY ts DESC, request_id DESC, inserted_at DESC
  LIMIT 1 BY request_id
  LIMIT {limit:UInt32}`,
    params,
  );
  const events = rows.slice(0, limit);
  const last = events.at(-1);
  const nextCursor = rows.length > limit && last !== undefined ? encodeRequestCursor({ ts: last.ts, requestId: last.request_id }) : null;
  return { events, nextCursor };
}

/**
 * WHERE conditions and parameters of a request log over `query`: the tenant, `[from, to)`, the
 * caller's scope and the filters, every value bound. Shared by the GraphQL pages and the CSV export.
 */
export function requestLogWhere(query: RequestLogRange): { where: string[]; params: ScopeParams } {
  const { conditions, params } = scopedRangeWhere('ts', query, query);
  return { where: conditions, params };
}

/** The columns of a request log row, in the order the shared decoder reads them. */
export const REQUEST_LOG_COLUMNS = COLUMNS;

/**
 * The page size to use: `limit`, or the default when absent.
 * @throws InputError naming `param` when it is not a whole number from 1 to 200.
 */
export function checkRequestLimit(limit: number | null | undefined, param: string): number {
  if (limit === undefined || limit === null) return REQUEST_PAGE_LIMIT.default;
  if (!Number.isInteger(limit) || limit < REQUEST_PAGE_LIMIT.min || limit > REQUEST_PAGE_LIMIT.max) {
    throw new InputError(
      `\`${param}\` must be a whole number from ${REQUEST_PAGE_LIMIT.min} to ${REQUEST_PAGE_LIMIT.max}.`,
      'BAD_USER_INPUT',
      param,
    );
  }
  return limit;
}

/** The opaque cursor of a row: base64url of `[ts, requestId]`; clients must not build one. */
function encodeRequestCursor(cursor: RequestCursor): string {
  return Buffer.from(JSON.stringify([cursor.ts, cursor.requestId]), 'utf8').toString('base64url');
}

/**
 * Reads a cursor made by {@link encodeRequestCursor}.
 * @throws InputError naming `param` for anything else (edited, truncated, from another API).
 */
export function decodeRequestCursor(cursor: string, param: string): RequestCursor {
  const invalid = (): InputError => new InputError(`\`${param}\` is not a cursor this API returned.`, 'BAD_USER_INPUT', param);
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length !== 2) throw invalid();
  const [ts, requestId] = value as unknown[];
  if (typeof ts !== 'string' || !EVENT_TIME_PATTERN.test(ts) || Number.isNaN(Date.parse(`${ts.replace(' ', 'T')}Z`))) {
    throw invalid();
  }
  if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 100) throw invalid();
  return { ts, requestId };
}

async function select(ch: ClickHouse, sql: string, params: ScopeParams): Promise<RequestEvent[]> {
  const result = await ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
  // The shared decoder turns 64-bit values (strings from a server, numbers from chDB) into numbers.
  return (await result.json<Record<string, unknown>>()).map(decodeRequestEventRow);
}
