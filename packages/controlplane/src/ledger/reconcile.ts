import { formatEventTime, REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import { budgetWindow } from '@proxystacks/shared/quota/budget-window';
import type { ClickHouse } from '../analytics/clickhouse.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

/** Bucket width of a reconciliation: a local hour or calendar day of the organisation's time zone. */
export type ReconcilePeriod = 'HOUR' | 'DAY';
/** What each bucket is split by. */
export type ReconcileScope = 'ORGANIZATION' | 'TEAM' | 'PROJECT' | 'KEY';

/**
 * Bucket start of a timestamp in the zone bound as the query's time-zone parameter, as epoch ms,
 * on each side. Both engines truncate in local time with the zone's rules (so a day across a DST
 * change is 23 or 25 hours, and hours of a :30 zone start at :30 UTC), the same days as
 * budget windows (shared/src/quota/budget-window.ts).
 */
const LEDGER_BUCKET: Readonly<Record<ReconcilePeriod, string>> = {
  HOUR: `(extract(epoch FROM date_trunc('hour', t.occurred_at, $4)) * 1000)::bigint::text`,
  DAY: `(extract(epoch FROM date_trunc('day', t.occurred_at, $4)) * 1000)::bigint::text`,
};
const CLICKHOUSE_BUCKET: Readonly<Record<ReconcilePeriod, string>> = {
  HOUR: 'toString(toUnixTimestamp(toStartOfHour(request_ts, {tz:String})) * 1000)',
  DAY: 'toString(toUnixTimestamp(toStartOfDay(request_ts, {tz:String})) * 1000)',
};

/** The scope column on each side: the ledger's transaction columns and the events' columns carry the same ids. */
const SCOPE_COLUMNS: Readonly<Record<ReconcileScope, { ledger: string; clickhouse: string }>> = {
  ORGANIZATION: { ledger: 't.org_id::text', clickhouse: 'request_org_id' },
  TEAM: { ledger: 't.team_id', clickhouse: 'request_team_id' },
  PROJECT: { ledger: 't.project_id', clickhouse: 'request_project_id' },
  KEY: { ledger: 't.key_id', clickhouse: 'request_key_id' },
};

/** Differences explained request by request at most (each costs two small queries). */
const MAX_EXPLAINED_DIFFERENCES = 20;
/** Request ids listed per side of one difference; more than this is "too many to list". */
const MAX_LISTED_REQUEST_IDS = 20;
/** Requests read per side to explain one difference; a bucket with more is summed only. */
const MAX_EXPLAINED_REQUESTS = 10_000;

/**
 * What to compare. `orgId` null compares every organisation (the CLI), each in its own time zone;
 * `[from, to)` is half-open.
 */
export interface ReconcileQuery {
  orgId: string | null;
  from: Date;
  to: Date;
  period: ReconcilePeriod;
  scope: ReconcileScope;
}

/** One (bucket, scope) whose ledger debits and ClickHouse cost disagree. */
export interface ReconcileDifference {
  orgId: string;
  bucketStart: Date;
  /** The organisation's, team's, project's or key's id ('' when the requests had none). */
  scopeId: string;
  ledgerMicros: bigint;
  clickhouseMicros: bigint;
  /** Requests on one side only, and requests on both with other amounts; null when too many to list. */
  requestIdsOnlyInLedger: string[] | null;
  requestIdsOnlyInClickhouse: string[] | null;
  requestIdsWithOtherAmounts: string[] | null;
}

/** The outcome: totals of both sides and every difference, oldest bucket first. */
export interface ReconcileReport extends ReconcileQuery {
  ledgerMicros: bigint;
  clickhouseMicros: bigint;
  /** (bucket, scope) cells seen on either side. */
  cellsCompared: number;
  differences: ReconcileDifference[];
}

interface Cell {
  orgId: string;
  bucket: string;
  scopeId: string;
  micros: string;
}

/**
 * Compares, per period bucket (a local hour or day in the organisation's time zone) and scope, the ledger's REQUEST postings (their PROVIDER_SPEND
 * side: Σ cost debited) with ClickHouse's Σ cost_micros over distinct request ids (argMax by
 * inserted_at, so a retried insert that ReplacingMergeTree has not merged yet counts once, as
 * the analytics queries' FINAL does). Only priced requests (cost > 0) count on the ClickHouse
 * side: free ones post nothing. Every cell that differs is listed; the first
 * {@link MAX_EXPLAINED_DIFFERENCES} are explained by request id when few enough.
 */
export async function reconcileLedger(prisma: PrismaClient, ch: ClickHouse, query: ReconcileQuery): Promise<ReconcileReport> {
  const zones = await organizationsByTimeZone(prisma, query.orgId);
  const timeZoneOf = new Map([...zones].flatMap(([zone, orgIds]) => orgIds.map((id) => [id, zone] as const)));
  const passes: ZonedQuery[] = [...zones].map(([timeZone, orgIds]) => ({ ...query, timeZone, orgIds, otherOrgs: false }));
  // Every organisation (the CLI): events of an organisation Postgres does not know were never
  // debited; they still count, in UTC buckets, so they show up as differences.
  if (query.orgId === null) passes.push({ ...query, timeZone: 'UTC', orgIds: [...timeZoneOf.keys()], otherOrgs: true });
  const ledger: Cell[] = [];
  const events: Cell[] = [];
  for (const pass of passes) {
    const [l, e] = await Promise.all([ledgerCells(prisma, pass), clickhouseCells(ch, pass)]);
    ledger.push(...l);
    events.push(...e);
  }
  const key = (c: Cell) => `${c.orgId}|${c.bucket}|${c.scopeId}`;
  const cells = new Map<string, { orgId: string; bucket: string; scopeId: string; ledger: bigint; clickhouse: bigint }>();
  for (const [side, rows] of [['ledger', ledger], ['clickhouse', events]] as const) {
    for (const row of rows) {
      const cell = cells.get(key(row)) ?? { orgId: row.orgId, bucket: row.bucket, scopeId: row.scopeId, ledger: 0n, clickhouse: 0n };
      cell[side] += BigInt(row.micros);
      cells.set(key(row), cell);
    }
  }
  const differing = [...cells.values()].filter((c) => c.ledger !== c.clickhouse).sort((a, b) => Number(BigInt(a.bucket) - BigInt(b.bucket)) || (a.scopeId < b.scopeId ? -1 : 1));
  const differences: ReconcileDifference[] = [];
  for (const [index, cell] of differing.entries()) {
    const timeZone = timeZoneOf.get(cell.orgId) ?? 'UTC';
    const explained = index < MAX_EXPLAINED_DIFFERENCES ? await explainCell(prisma, ch, { ...query, timeZone, orgIds: [cell.orgId], otherOrgs: false }, cell) : null;
    differences.push({
      orgId: cell.orgId,
      bucketStart: new Date(Number(cell.bucket)),
      scopeId: cell.scopeId,
      ledgerMicros: cell.ledger,
      clickhouseMicros: cell.clickhouse,
      requestIdsOnlyInLedger: explained?.onlyInLedger ?? null,
      requestIdsOnlyInClickhouse: explained?.onlyInClickhouse ?? null,
      requestIdsWithOtherAmounts: explained?.otherAmounts ?? null,
    });
  }
  const total = (side: 'ledger' | 'clickhouse') => [...cells.values()].reduce((sum, c) => sum + c[side], 0n);
  return { ...query, ledgerMicros: total('ledger'), clickhouseMicros: total('clickhouse'), cellsCompared: cells.size, differences };
}

/** One pair of queries: the organisations `orgIds` (or, with `otherOrgs`, all but them) bucketed in `timeZone`. */
interface ZonedQuery extends ReconcileQuery {
  timeZone: string;
  orgIds: string[];
  otherOrgs: boolean;
}

/** The organisations to compare (one, or all), grouped by their time zone. */
async function organizationsByTimeZone(prisma: PrismaClient, orgId: string | null): Promise<Map<string, string[]>> {
  const orgs = await prisma.organization.findMany({ where: orgId === null ? {} : { id: orgId }, select: { id: true, timeZone: true } });
  const zones = new Map<string, string[]>();
  for (const org of orgs) zones.set(org.timeZone, [...(zones.get(org.timeZone) ?? []), org.id]);
  return zones;
}

/** Where the bucket starting at `bucketStartMs` ends: the next local hour or midnight. */
function bucketEnd(period: ReconcilePeriod, timeZone: string, bucketStartMs: number): number {
  return period === 'HOUR' ? bucketStartMs + 3_600_000 : budgetWindow('day', timeZone, bucketStartMs).end!;
}

async function ledgerCells(prisma: PrismaClient, query: ZonedQuery): Promise<Cell[]> {
  return prisma.$queryRawUnsafe<Cell[]>(
    `SELECT t.org_id::text AS "orgId",
            ${LEDGER_BUCKET[query.period]} AS bucket,
            ${SCOPE_COLUMNS[query.scope].ledger} AS "scopeId",
            sum(e.amount_micros)::text AS micros
       FROM ledger_transaction t
       JOIN ledger_entry e ON e.transaction_id = t.id
       JOIN ledger_account a ON a.id = e.account_id AND a.kind = 'PROVIDER_SPEND'
      WHERE t.kind = 'REQUEST' AND t.occurred_at >= $1 AND t.occurred_at < $2 AND ${query.otherOrgs ? 'NOT ' : ''}(t.org_id = ANY($3::uuid[]))
      GROUP BY 1, 2, 3`,
    query.from,
    query.to,
    query.orgIds,
    query.timeZone,
  );
}

/**
 * One row per request id (its latest insert), priced requests only, in range. The aggregates get
 * names of their own: named like the columns, they would replace them in the WHERE clause.
 */
function distinctRequests(ch: ClickHouse, query: ZonedQuery): string {
  return `SELECT request_id, argMax(org_id, inserted_at) AS request_org_id, argMax(team_id, inserted_at) AS request_team_id,
                 argMax(project_id, inserted_at) AS request_project_id, argMax(key_id, inserted_at) AS request_key_id,
                 argMax(ts, inserted_at) AS request_ts, argMax(cost_micros, inserted_at) AS cost
            FROM ${ch.database}.${REQUEST_EVENTS_TABLE}
           WHERE ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')} AND org_id ${query.otherOrgs ? 'NOT IN' : 'IN'} {orgIds:Array(String)}
           GROUP BY request_id
          HAVING cost > 0`;
}

function clickhouseParams(query: ZonedQuery): Record<string, string | string[]> {
  return { from: formatEventTime(query.from.getTime()), to: formatEventTime(query.to.getTime()), orgIds: query.orgIds, tz: query.timeZone };
}

async function clickhouseCells(ch: ClickHouse, query: ZonedQuery): Promise<Cell[]> {
  const result = await ch.client.query({
    query: `SELECT request_org_id AS orgId, ${CLICKHOUSE_BUCKET[query.period]} AS bucket,
                   ${SCOPE_COLUMNS[query.scope].clickhouse} AS scopeId, toString(sum(cost)) AS micros
              FROM (${distinctRequests(ch, query)})
             GROUP BY orgId, bucket, scopeId`,
    query_params: clickhouseParams(query),
    format: 'JSONEachRow',
  });
  return result.json<Cell>();
}

/** The requests of one differing cell on each side, compared id by id; null when too many to read. */
async function explainCell(
  prisma: PrismaClient,
  ch: ClickHouse,
  query: ZonedQuery,
  cell: { orgId: string; bucket: string; scopeId: string },
): Promise<{ onlyInLedger: string[] | null; onlyInClickhouse: string[] | null; otherAmounts: string[] | null } | null> {
  const bucketStart = new Date(Number(cell.bucket));
  const narrowed: ZonedQuery = { ...query, from: maxDate(query.from, bucketStart), to: minDate(query.to, new Date(bucketEnd(query.period, query.timeZone, bucketStart.getTime()))) };
  const ledgerRows = await prisma.$queryRawUnsafe<Array<{ requestId: string; micros: string }>>(
    `SELECT t.request_id AS "requestId", sum(e.amount_micros)::text AS micros
       FROM ledger_transaction t
       JOIN ledger_entry e ON e.transaction_id = t.id
       JOIN ledger_account a ON a.id = e.account_id AND a.kind = 'PROVIDER_SPEND'
      WHERE t.kind = 'REQUEST' AND t.occurred_at >= $1 AND t.occurred_at < $2 AND t.org_id = $3::uuid AND ${SCOPE_COLUMNS[query.scope].ledger} = $4
      GROUP BY 1 LIMIT ${MAX_EXPLAINED_REQUESTS + 1}`,
    narrowed.from,
    narrowed.to,
    cell.orgId,
    cell.scopeId,
  );
  const eventRows = await (
    await ch.client.query({
      query: `SELECT request_id AS requestId, toString(cost) AS micros FROM (${distinctRequests(ch, narrowed)}) WHERE ${SCOPE_COLUMNS[query.scope].clickhouse} = {scopeId:String} LIMIT ${MAX_EXPLAINED_REQUESTS + 1}`,
      query_params: { ...clickhouseParams(narrowed), scopeId: cell.scopeId },
      format: 'JSONEachRow',
    })
  ).json<{ requestId: string; micros: string }>();
  if (ledgerRows.length > MAX_EXPLAINED_REQUESTS || eventRows.length > MAX_EXPLAINED_REQUESTS) return null;
  const inLedger = new Map(ledgerRows.map((r) => [r.requestId, BigInt(r.micros)]));
  const inEvents = new Map(eventRows.map((r) => [r.requestId, BigInt(r.micros)]));
  const few = (ids: string[]) => (ids.length > MAX_LISTED_REQUEST_IDS ? null : ids.sort());
  return {
    onlyInLedger: few([...inLedger.keys()].filter((id) => !inEvents.has(id))),
    onlyInClickhouse: few([...inEvents.keys()].filter((id) => !inLedger.has(id))),
    otherAmounts: few([...inLedger.keys()].filter((id) => inEvents.has(id) && inEvents.get(id) !== inLedger.get(id))),
  };
}

function maxDate(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

function minDate(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}
