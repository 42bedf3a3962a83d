import { decodeRequestEventRow, type RequestEvent } from '@proxystacks/shared/events/request-event';
import { formatEventTime, REQUEST_EVENT_INSERT_COLUMNS, REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import { InputError } from '../domain/input-error.ts';
import type { ClickHouse } from './clickhouse.ts';
import { scopeConditions, type EventScope, type ScopeParams } from './event-scope.ts';
import { assertQueryRange } from './query-range.ts';

/** Page sizes {@link listRequests} accepts; larger pages are refused, never clamped. */
export const REQUEST_PAGE_LIMIT = { min: 1, max: 200, default: 50 } as const;

/** The data plane's request ids: `req_` + 32 lowercase hex (dataplane `newRequestId`). */
const REQUEST_ID_PATTERN = /^req_[0-9a-f]{32}$/;
const EVENT_TIME_PATTERN = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

/** Which requests {@link listRequests} returns by outcome: HTTP status below 400, or 400 and above. */
export type RequestStatusFilter = 'SUCCESS' | 'ERROR';

/** Parameters of {@link findRequest}. */
export interface FindRequestQuery {
  /** '' for requests no organization owns (unknown keys; see refusedRequests). */
  orgId: string;
  requestId: string;
  /** Visible teams: a request of another team is answered as absent. */
  scope: EventScope;
}

/** Parameters of {@link listRequests}; `[from, to)` is half-open. */
export interface ListRequestsQuery {
  /** '' for requests no organization owns (unknown keys; see refusedRequests). */
  orgId: string;
  /** Visible teams and the team / project / environment filters. */
  scope: EventScope;
  from: Date;
  to: Date;
  keyId?: string | null;
  /** First 16 hex digits of the presented key's HMAC: one unknown key's requests. */
  keyHashId?: string | null;
  /** Model alias the client asked for. */
  model?: string | null;
  status?: RequestStatusFilter | null;
  /** Page size, 1–200; 50 when absent. */
  limit?: number | null;
  /** `nextCursor` of the previous page: this page holds the requests that sort after it. */
  before?: string | null;
}

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
 * has no such request. FINAL: a retried batch may still hold two copies of the row.
 * The sort key has no request_id prefix, so this scans the org's granules; at volumes where
 * that is slow, add a bloom_filter skip index on request_id.
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
  FROM ${ch.database}.${REQUEST_EVENTS_TABLE} FINAL
  WHERE ${['org_id = {orgId:String}', 'request_id = {requestId:String}', ...scope.conditions].join(' AND ')}
  LIMIT 1`,
    { ...scope.params, orgId: query.orgId, requestId: query.requestId },
  );
  return rows[0] ?? null;
}

/**
 * Requests of one org over `[from, to)` within `scope`, newest first, optionally narrowed by
 * key, model alias and outcome. Keyset pagination on (ts, request_id), both descending: a page starts strictly
 * after the cursor row, so rows sharing a timestamp are neither repeated nor skipped, and
 * requests arriving meanwhile do not shift later pages (offset paging would).
 * Every value is bound as a query parameter; only the database name, a checked identifier, is
 * put in the SQL text.
 * @throws InputError on an empty, reversed or over-long range, a bad limit or a bad cursor.
 */
export async function listRequests(ch: ClickHouse, query: ListRequestsQuery): Promise<RequestPage> {
  assertQueryRange(query.from, query.to);
  const limit = checkRequestLimit(query.limit, 'limit');
  const cursor = query.before === undefined || query.before === null ? null : decodeRequestCursor(query.before, 'before');
  const scope = scopeConditions(query.scope);
  const params: ScopeParams = {
    ...scope.params,
    orgId: query.orgId,
    from: formatEventTime(query.from.getTime()),
    to: formatEventTime(query.to.getTime()),
    // One row past the page tells whether another page exists, without a count query.
    limit: limit + 1,
  };
  const where = [
    'org_id = {orgId:String}',
    `ts >= {from:DateTime64(3, 'UTC')}`,
    `ts < {to:DateTime64(3, 'UTC')}`,
    ...scope.conditions,
  ];
  if (query.keyId !== undefined && query.keyId !== null) {
    where.push('key_id = {keyId:String}');
    params.keyId = query.keyId;
  }
  if (query.keyHashId !== undefined && query.keyHashId !== null) {
    where.push('key_hash_id = {keyHashId:String}');
    params.keyHashId = query.keyHashId;
  }
  if (query.model !== undefined && query.model !== null) {
    where.push('alias = {model:String}');
    params.model = query.model;
  }
  if (query.status === 'SUCCESS') where.push('status_code < 400');
  if (query.status === 'ERROR') where.push('status_code >= 400');
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
  FROM ${ch.database}.${REQUEST_EVENTS_TABLE} FINAL
  WHERE ${where.join('\n    AND ')}
  ORDER BY ts DESC, request_id DESC
  LIMIT {limit:UInt32}`,
    params,
  );
  const events = rows.slice(0, limit);
  const last = events.at(-1);
  const nextCursor = rows.length > limit && last !== undefined ? encodeRequestCursor({ ts: last.ts, requestId: last.request_id }) : null;
  return { events, nextCursor };
}

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
