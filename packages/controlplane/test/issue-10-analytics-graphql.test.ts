import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { formatEventTime, REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import { insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { generateKey } from '@proxystacks/shared/keys/key-format';
import { scopeConditions } from '../src/analytics/event-scope.ts';
import { findRequestWhere } from '../src/analytics/request-log-query.ts';
import { queryTimeSeries } from '../src/analytics/time-series-query.ts';
import { generateApiToken, insertApiToken } from '../src/domain/api-tokens.ts';
import { insertKey } from '../src/domain/keys.ts';
import { insertProject } from '../src/domain/projects.ts';
import type { Role } from '../src/generated/prisma/client.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';

/**
 * Issue 10: timeSeries, topN and the request log's new filters against chDB with known events:
 * exact sums (from the rollups and from the raw events alike), percentiles of a known
 * distribution within DDSketch's 1 %, local days and hours across Berlin's 2026 spring-forward,
 * groupings, filters, team scoping, and a request-id lookup that reads few granules.
 */

const HOUR = 3_600_000;
/** A day of known traffic: 2026-03-02, UTC. */
const DAY0 = Date.parse('2026-03-02T00:00:00.000Z');
const MEASURES = 'requests errors promptTokens completionTokens cachedTokens costMicros costSavedMicros latencyP50Ms latencyP95Ms latencyP99Ms ttftP50Ms ttftP95Ms ttftP99Ms';
const SERIES = `query($from: DateTime!, $to: DateTime!, $bucket: TimeBucket!, $timeZone: String, $groupBy: AnalyticsDimension, $groupLimit: Int,
  $keyId: ID, $teamId: ID, $model: String, $providerId: ID, $statusCode: Int, $status: RequestStatusFilter, $errorCode: String, $upstreamModel: String) {
  timeSeries(from: $from, to: $to, bucket: $bucket, timeZone: $timeZone, groupBy: $groupBy, groupLimit: $groupLimit, keyId: $keyId, teamId: $teamId,
    model: $model, providerId: $providerId, statusCode: $statusCode, status: $status, errorCode: $errorCode, upstreamModel: $upstreamModel) {
    source timeZone groups { key label other points { bucketStart ${MEASURES} } }
  }
}`;
const TOP = `query($from: DateTime!, $to: DateTime!, $by: AnalyticsDimension!, $orderBy: TopOrder, $limit: Int, $teamId: ID, $status: RequestStatusFilter) {
  topN(from: $from, to: $to, by: $by, orderBy: $orderBy, limit: $limit, teamId: $teamId, status: $status) {
    source truncated rows { key label requests errors costMicros latencyP95Ms } totals { requests errors costMicros }
  }
}`;
const REQUESTS = `query($from: DateTime!, $to: DateTime!, $providerId: ID, $upstreamModel: String, $statusCode: Int, $errorCode: String, $keyId: ID, $model: String) {
  requests(from: $from, to: $to, providerId: $providerId, upstreamModel: $upstreamModel, statusCode: $statusCode, errorCode: $errorCode, keyId: $keyId, model: $model, first: 200) {
    entries { requestId statusCode errorCode providerId upstreamModel }
  }
}`;

interface Point {
  bucketStart: string;
  requests: number;
  errors: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  cachedTokens: number | null;
  costMicros: string | null;
  costSavedMicros: string | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyP99Ms: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  ttftP99Ms: number | null;
}
interface Series {
  source: string;
  timeZone: string;
  groups: Array<{ key: string | null; label: string | null; other: boolean; points: Point[] }>;
}

let h: GraphQLHarness;
let teamA: { id: string; projectId: string; envId: string };
let teamB: { id: string; projectId: string; envId: string };
let keyA: { id: string; prefix: string };
let keyB: { id: string; prefix: string };
/** The day's known events (2026-03-02). */
let day: RequestEvent[];

async function makeTeam(name: string) {
  const team = await h.db.prisma.team.create({ data: { orgId: h.orgId, name } });
  const project = await insertProject(h.db.prisma, { orgId: h.orgId, teamId: team.id, name: `${name}-project` });
  return { id: team.id, projectId: project.id, envId: project.environments.find((e) => e.name === 'production')!.id };
}

async function makeKey(team: { id: string; projectId: string; envId: string }, name: string) {
  const { key } = await insertKey(h.db.prisma, { orgId: h.orgId, teamId: team.id, projectId: team.projectId, environmentId: team.envId, name, secret: generateKey() }, h.keySecret);
  return { id: key.id, prefix: key.prefix };
}

async function token(role: Role, teamId: string | null): Promise<string> {
  const secret = generateApiToken();
  await insertApiToken(h.db.prisma, { orgId: h.orgId, name: `${role}-${teamId ?? 'org'}`, role, teamId, expiresAt: null, createdByUserId: null, token: secret }, h.keySecret);
  return secret;
}

function keyed(team: typeof teamA, key: typeof keyA, atMs: number, extra: Partial<RequestEvent>): RequestEvent {
  return testRequestEvent({
    org_id: h.orgId,
    ts: formatEventTime(atMs),
    team_id: team.id,
    project_id: team.projectId,
    environment_id: team.envId,
    environment: 'production',
    key_id: key.id,
    key_prefix: key.prefix,
    ...extra,
  });
}

async function series(vars: Record<string, unknown>, as: string = h.adminToken): Promise<Series> {
  const { body } = await h.gql<{ timeSeries: Series }>(SERIES, vars, as);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!.timeSeries;
}

const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  h = await startGraphQLHarness();
  teamA = await makeTeam('alpha');
  teamB = await makeTeam('beta');
  keyA = await makeKey(teamA, 'alpha-key');
  keyB = await makeKey(teamB, 'beta-key');
  // Team A: 1000 requests in the 10:00 hour, latencies 1..1000 ms (a known distribution),
  // first tokens at latency / 2 for every second one; models and outcomes in a fixed pattern.
  day = [];
  for (let i = 0; i < 1000; i += 1) {
    day.push(
      keyed(teamA, keyA, DAY0 + 10 * HOUR + i * 3_600, {
        alias: i % 4 === 0 ? 'gpt-big' : 'gpt-small',
        upstream_model: i % 4 === 0 ? 'big-1' : 'small-1',
        provider_id: i % 2 === 0 ? 'prov-even' : 'prov-odd',
        status_code: i % 10 === 0 ? 502 : 200,
        error_code: i % 10 === 0 ? 'upstream_error' : '',
        latency_ms: i + 1,
        ttft_ms: i % 2 === 0 ? Math.floor((i + 1) / 2) : null,
        prompt_tokens: 100,
        completion_tokens: i % 50,
        cached_tokens: i % 3,
        cost_micros: 1_000 + i,
      }),
    );
  }
  // Team B: 10 expensive requests at 12:30, one rate limited.
  for (let i = 0; i < 10; i += 1) {
    day.push(
      keyed(teamB, keyB, DAY0 + 12 * HOUR + 30 * 60_000 + i, {
        alias: 'gpt-big',
        upstream_model: 'big-1',
        provider_id: 'prov-even',
        status_code: i === 0 ? 429 : 200,
        error_code: i === 0 ? 'rate_limit_exceeded' : '',
        latency_ms: 5_000,
        prompt_tokens: 1000,
        completion_tokens: 1000,
        cost_micros: 10_000_000_000,
      }),
    );
  }
  for (let i = 0; i < day.length; i += 250) await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, `day-${i}`, day.slice(i, i + 250));
}, 180_000);

afterAll(async () => {
  await h?.close();
});

/** Sums of `events` as the API shows them. */
function sums(events: RequestEvent[]) {
  return {
    requests: events.length,
    errors: events.filter((e) => e.status_code >= 400).length,
    promptTokens: events.reduce((s, e) => s + e.prompt_tokens, 0),
    completionTokens: events.reduce((s, e) => s + e.completion_tokens, 0),
    cachedTokens: events.reduce((s, e) => s + e.cached_tokens, 0),
    costMicros: String(events.reduce((s, e) => s + BigInt(e.cost_micros), 0n)),
    costSavedMicros: '0',
  };
}

/** Exact quantile at `level` of sorted `values` (nearest rank below, as quantileExact). */
function exactQuantile(values: number[], level: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(level * (sorted.length - 1))]!;
}

describe('issue 10: timeSeries', () => {
  it('sums exactly per hour, from the hour rollup and from the raw events alike', async () => {
    const hourly = await series({ from: iso(DAY0), to: iso(DAY0 + 24 * HOUR), bucket: 'HOUR' });
    expect(hourly.source).toBe('HOUR_ROLLUP');
    const points = hourly.groups[0]!.points;
    expect(points.map((p) => p.bucketStart)).toEqual([iso(DAY0 + 10 * HOUR), iso(DAY0 + 12 * HOUR)]);
    expect(points[0]).toMatchObject(sums(day.slice(0, 1000)));
    expect(points[1]).toMatchObject(sums(day.slice(1000)));
    // A range that does not fall on a minute: only the raw events can answer it exactly.
    const raw = await series({ from: iso(DAY0 + 1), to: iso(DAY0 + 24 * HOUR), bucket: 'HOUR' });
    expect(raw.source).toBe('RAW');
    expect(raw.groups).toEqual(hourly.groups);
    // Minute buckets from the minute rollup add up to the same day.
    const minutes = await series({ from: iso(DAY0 + 10 * HOUR), to: iso(DAY0 + 13 * HOUR), bucket: 'MINUTE' });
    expect(minutes.source).toBe('MINUTE_ROLLUP');
    expect(minutes.groups[0]!.points.reduce((s, p) => s + p.requests, 0)).toBe(1010);
    expect(minutes.groups[0]!.points).toHaveLength(61);
  });

  it('gives latency and time-to-first-token percentiles of a known distribution within 1 %', async () => {
    const hour = { from: iso(DAY0 + 10 * HOUR), to: iso(DAY0 + 11 * HOUR), bucket: 'HOUR' };
    const [point] = (await series(hour)).groups[0]!.points;
    const latencies = day.slice(0, 1000).map((e) => e.latency_ms);
    const ttfts = day.slice(0, 1000).flatMap((e) => (e.ttft_ms === null ? [] : [e.ttft_ms]));
    const within = (got: number | null | undefined, want: number) => {
      expect(got).not.toBeNull();
      // DDSketch: within 1 % of the true value at that rank (± one rank for the rank convention).
      expect(Math.abs(got! - want)).toBeLessThanOrEqual(0.01 * want + 1);
    };
    within(point!.latencyP50Ms, exactQuantile(latencies, 0.5));
    within(point!.latencyP95Ms, exactQuantile(latencies, 0.95));
    within(point!.latencyP99Ms, exactQuantile(latencies, 0.99));
    within(point!.ttftP50Ms, exactQuantile(ttfts, 0.5));
    within(point!.ttftP95Ms, exactQuantile(ttfts, 0.95));
    within(point!.ttftP99Ms, exactQuantile(ttfts, 0.99));
    // The rollup's merged sketch and the raw sketch give the same figures, to the last digit.
    const raw = await queryTimeSeries(h.clickhouse, {
      orgId: h.orgId, scope: { visibleTeams: 'all' }, filters: {}, from: new Date(hour.from), to: new Date(hour.to), bucket: 'HOUR', timeZone: 'UTC', groupBy: null, forceSource: 'raw',
    });
    expect(raw.groups[0]!.points[0]!.latencyP99Ms).toBe(point!.latencyP99Ms);
    expect(raw.groups[0]!.points[0]!.ttftP50Ms).toBe(point!.ttftP50Ms);
    // No first token in team B's hour: null, not 0.
    const b = await series({ from: iso(DAY0 + 12 * HOUR), to: iso(DAY0 + 13 * HOUR), bucket: 'HOUR' });
    expect(b.groups[0]!.points[0]!.ttftP50Ms).toBeNull();
    expect(b.groups[0]!.points[0]!.latencyP50Ms).toBeCloseTo(5000, -2);
  });

  it('buckets local days and hours of Europe/Berlin across the 2026-03-29 spring-forward', async () => {
    // Local midnights: 28 Mar 23:00Z (CET), 29 Mar 22:00Z (CEST). 29 March has 23 hours.
    const at = [
      Date.parse('2026-03-28T22:30:00Z'), // 28 Mar 23:30 CET: day of the 28th
      Date.parse('2026-03-28T23:30:00Z'), // 29 Mar 00:30 CET
      Date.parse('2026-03-29T00:30:00Z'), // 01:30 CET
      Date.parse('2026-03-29T01:30:00Z'), // 03:30 CEST (02:00–03:00 does not exist)
      Date.parse('2026-03-29T21:30:00Z'), // 29 Mar 23:30 CEST: still the 29th
      Date.parse('2026-03-29T22:30:00Z'), // 30 Mar 00:30 CEST
    ];
    await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, 'dst', at.map((ms) => keyed(teamA, keyA, ms, { alias: 'dst-model' })));
    const range = { from: '2026-03-27T00:00:00Z', to: '2026-04-01T00:00:00Z', model: 'dst-model' };
    const days = await series({ ...range, bucket: 'DAY', timeZone: 'Europe/Berlin' });
    expect(days.source).toBe('HOUR_ROLLUP');
    expect(days.groups[0]!.points.map((p) => [p.bucketStart, p.requests])).toEqual([
      ['2026-03-27T23:00:00.000Z', 1],
      ['2026-03-28T23:00:00.000Z', 4],
      ['2026-03-29T22:00:00.000Z', 1],
    ]);
    const hours = await series({ ...range, bucket: 'HOUR', timeZone: 'Europe/Berlin' });
    expect(hours.groups[0]!.points.map((p) => p.bucketStart).slice(1, 4)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z']);
    // UTC days split the same events differently; a half-hour zone's days come from the minute rollup.
    const utc = await series({ ...range, bucket: 'DAY', timeZone: 'UTC' });
    expect(utc.groups[0]!.points.map((p) => [p.bucketStart, p.requests])).toEqual([
      ['2026-03-28T00:00:00.000Z', 2],
      ['2026-03-29T00:00:00.000Z', 4],
    ]);
    const kolkata = await series({ ...range, bucket: 'DAY', timeZone: 'Asia/Kolkata' });
    expect(kolkata.source).toBe('MINUTE_ROLLUP');
    expect(kolkata.groups[0]!.points.map((p) => [p.bucketStart, p.requests])).toEqual([
      ['2026-03-28T18:30:00.000Z', 4],
      ['2026-03-29T18:30:00.000Z', 2],
    ]);
    const bad = await h.gql(SERIES, { ...range, bucket: 'DAY', timeZone: 'Mars/Olympus' });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('groups by any dimension with an `other` line past the limit, and filters by every dimension', async () => {
    const range = { from: iso(DAY0), to: iso(DAY0 + 24 * HOUR), bucket: 'DAY' };
    const byModel = await series({ ...range, groupBy: 'MODEL' });
    const total = (g: Series['groups'][number]) => g.points.reduce((s, p) => s + p.requests, 0);
    expect(byModel.groups.map((g) => [g.key, g.other, total(g)])).toEqual([
      ['gpt-small', false, 750],
      ['gpt-big', false, 260],
    ]);
    const limited = await series({ ...range, groupBy: 'MODEL', groupLimit: 1 });
    expect(limited.groups.map((g) => [g.key, g.other, total(g)])).toEqual([
      ['gpt-small', false, 750],
      [null, true, 260],
    ]);
    const byKey = await series({ ...range, groupBy: 'KEY' });
    expect(byKey.groups.map((g) => [g.key, g.label])).toEqual([[keyA.id, 'alpha-key'], [keyB.id, 'beta-key']]);
    const count = async (vars: Record<string, unknown>) => (await series({ ...range, ...vars })).groups[0]?.points.reduce((s, p) => s + p.requests, 0) ?? 0;
    expect(await count({ keyId: keyB.id })).toBe(10);
    expect(await count({ teamId: teamA.id })).toBe(1000);
    expect(await count({ providerId: 'prov-odd' })).toBe(500);
    expect(await count({ upstreamModel: 'big-1' })).toBe(260);
    expect(await count({ statusCode: 429 })).toBe(1);
    expect(await count({ status: 'ERROR' })).toBe(101);
    expect(await count({ errorCode: 'upstream_error' })).toBe(100);
    // gpt-big on prov-even: team A's i % 4 === 0 (250, 50 of them errors) and team B's 10 (one error).
    expect(await count({ model: 'gpt-big', providerId: 'prov-even', status: 'SUCCESS' })).toBe(209);
  });

  it('answers a team-scoped viewer with their team only, and refuses another team', async () => {
    const alphaAnalyst = await token('ANALYST', teamA.id);
    const range = { from: iso(DAY0), to: iso(DAY0 + 24 * HOUR), bucket: 'DAY' };
    const seen = await series({ ...range, groupBy: 'TEAM' }, alphaAnalyst);
    expect(seen.groups.map((g) => [g.key, g.label])).toEqual([[teamA.id, 'alpha']]);
    const { body: top } = await h.gql<{ topN: { rows: Array<{ key: string }>; totals: { requests: number } } }>(TOP, { from: range.from, to: range.to, by: 'KEY' }, alphaAnalyst);
    expect(top.data?.topN.rows.map((r) => r.key)).toEqual([keyA.id]);
    expect(top.data?.topN.totals.requests).toBe(1000);
    const refused = await h.gql(SERIES, { ...range, keyId: keyB.id }, alphaAnalyst);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('forbidden');
    const refusedTop = await h.gql(TOP, { from: range.from, to: range.to, by: 'MODEL', teamId: teamB.id }, alphaAnalyst);
    expect(refusedTop.body.errors?.[0]?.extensions?.code).toBe('forbidden');
  });
});

describe('issue 10: topN', () => {
  it('ranks keys by cost, models by requests, and errors by code, with exact totals', async () => {
    const range = { from: iso(DAY0), to: iso(DAY0 + 24 * HOUR) };
    type Top = { source: string; truncated: boolean; rows: Array<{ key: string; label: string | null; requests: number; errors: number; costMicros: string }>; totals: { requests: number; costMicros: string } };
    const top = async (vars: Record<string, unknown>) => {
      const { body } = await h.gql<{ topN: Top }>(TOP, { ...range, ...vars });
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data!.topN;
    };
    const keys = await top({ by: 'KEY', orderBy: 'COST' });
    expect(keys.source).toBe('HOUR_ROLLUP');
    expect(keys.rows.map((r) => [r.key, r.label, r.requests, r.costMicros])).toEqual([
      [keyB.id, 'beta-key', 10, sums(day.slice(1000)).costMicros],
      [keyA.id, 'alpha-key', 1000, sums(day.slice(0, 1000)).costMicros],
    ]);
    expect(keys.totals).toEqual({ requests: 1010, costMicros: sums(day).costMicros, errors: 101 });
    const models = await top({ by: 'MODEL', limit: 1 });
    expect([models.rows.map((r) => [r.key, r.requests]), models.truncated]).toEqual([[['gpt-small', 750]], true]);
    const errors = await top({ by: 'ERROR_CODE' });
    expect(errors.rows.map((r) => [r.key, r.requests])).toEqual([['upstream_error', 100], ['rate_limit_exceeded', 1]]);
    const statuses = await top({ by: 'STATUS_CODE', status: 'ERROR' });
    expect(statuses.rows.map((r) => [r.key, r.requests])).toEqual([['502', 100], ['429', 1]]);
  });
});

describe('issue 10: the request log', () => {
  it('filters by provider, upstream model, status code and error code (with key and model)', async () => {
    const range = { from: iso(DAY0), to: iso(DAY0 + 24 * HOUR) };
    const entries = async (vars: Record<string, unknown>) => {
      const { body } = await h.gql<{ requests: { entries: Array<{ requestId: string; statusCode: number; errorCode: string | null; providerId: string; upstreamModel: string }> } }>(REQUESTS, { ...range, ...vars });
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data!.requests.entries;
    };
    const limited = await entries({ statusCode: 429 });
    expect(limited.map((e) => e.requestId)).toEqual([day[1000]!.request_id]);
    const upstream = await entries({ errorCode: 'upstream_error', providerId: 'prov-even', upstreamModel: 'big-1' });
    // i % 10 === 0 (error), even (provider), i % 4 === 0 (big): i % 20 === 0, 50 requests.
    expect(upstream).toHaveLength(50);
    expect(upstream.every((e) => e.statusCode === 502 && e.errorCode === 'upstream_error' && e.providerId === 'prov-even' && e.upstreamModel === 'big-1')).toBe(true);
    expect(await entries({ keyId: keyB.id, model: 'gpt-big', statusCode: 200 })).toHaveLength(9);
  });

  it('finds a request by id reading a few granules, not every granule of the organization', async () => {
    const db = h.clickhouse.database;
    // 200,000 requests of one org (about 25 granules of 8192 rows), generated by ClickHouse.
    await h.clickhouse.client.command({
      query: `INSERT INTO ${db}.${REQUEST_EVENTS_TABLE} (event_version, request_id, ts, org_id, alias, status_code, usage_source, latency_ms, stream_end)
        SELECT 1, concat('req_', lower(hex(MD5(toString(number))))), toDateTime64('2026-02-01 00:00:00', 3, 'UTC') + number, {org:String}, 'bulk', 200, 'provider', 10, ''
        FROM numbers(200000)`,
      query_params: { org: h.orgId },
      clickhouse_settings: { insert_deduplication_token: 'issue-10-bulk' },
    });
    await h.clickhouse.client.command({ query: `OPTIMIZE TABLE ${db}.${REQUEST_EVENTS_TABLE} FINAL` });
    const wanted = (await (await h.clickhouse.client.query({ query: `SELECT concat('req_', lower(hex(MD5('123456')))) AS id`, format: 'JSONEachRow' })).json<{ id: string }>())[0]!.id;
    const scope = scopeConditions({ visibleTeams: 'all' });
    const explain = await h.clickhouse.client.query({
      query: `EXPLAIN indexes = 1 SELECT request_id FROM ${db}.${REQUEST_EVENTS_TABLE} WHERE ${findRequestWhere(scope.conditions)} LIMIT 1`,
      query_params: { orgId: h.orgId, requestId: wanted },
      format: 'TabSeparatedRaw',
    });
    const plan = await explain.text();
    const granules = [...plan.matchAll(/Granules: (\d+)\/(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const skip = plan.slice(plan.indexOf('request_id_bloom'));
    const [selected] = [...skip.matchAll(/Granules: (\d+)\/(\d+)/g)].map((m) => Number(m[1]));
    // The primary key leaves every granule of the org; the bloom filter leaves one or two.
    expect(granules[0]![1]).toBeGreaterThanOrEqual(20);
    expect(plan).toContain('request_id_bloom');
    expect(selected).toBeLessThanOrEqual(2);
    const { body } = await h.gql<{ request: { requestId: string; model: string } | null }>(`query($id: ID!) { request(id: $id) { requestId model } }`, { id: wanted });
    expect(body.data?.request).toEqual({ requestId: wanted, model: 'bulk' });
  }, 120_000);
});
