import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatEventTime, REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import { insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { percentilesFromEvents, ROLLUPS_0007, rollupViewName } from '@proxystacks/shared/events/request-rollups-ddl';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { createClickHouse, migrateClickHouse, type ClickHouse } from '../src/analytics/clickhouse.ts';
import { requestLogWhere } from '../src/analytics/request-log-query.ts';
import { queryTimeSeries } from '../src/analytics/time-series-query.ts';
import { queryTop } from '../src/analytics/top-query.ts';

/**
 * Issue 10 (p95 under 200 ms at 10M events, migration 0007): an organisation's ungrouped charts
 * and top-N totals read the per-org totals rollup and answer exactly what the raw events answer
 * (percentiles past the 30 s clamp included); 0007 backfills its rollups from the events stored
 * before it; the request log of a key skips, by the key_id bloom filter, the granules of other
 * projects.
 */

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const logger = { info: () => undefined };
const all = { visibleTeams: 'all' as const };

let dir: string;
let ch: ClickHouse;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-totals-'));
  ch = await createClickHouse({ url: null, chdbPath: join(dir, 'chdb'), database: 'relay_totals' });
  await migrateClickHouse(ch, logger);
}, 120_000);

afterAll(async () => {
  await ch?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Three hours of requests; the second hour's slowest tenth run past 30 s (the clamp of the fine sketch). */
function events(org: string, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const hour = i % 3;
    const slow = hour === 1 && i % 10 < 2;
    return testRequestEvent({
      org_id: org,
      ts: formatEventTime(T0 + hour * HOUR + i * 1_000),
      team_id: `team-${i % 2}`,
      alias: i % 4 === 0 ? 'gpt-big' : 'gpt-small',
      status_code: i % 9 === 0 ? 502 : 200,
      cost_micros: 1_000 + i * 13,
      latency_ms: slow ? 40_000 + i * 997 : 50 + ((i * 7919) % 2500),
      ttft_ms: i % 3 === 0 ? null : slow ? 31_000 + i * 101 : 5 + ((i * 104729) % 800),
    });
  });
}

const range = { from: new Date(T0), to: new Date(T0 + 3 * HOUR) };

describe('issue 10: totals rollups (migration 0007)', () => {
  it('answer ungrouped series and top-N totals from the org totals rollup, exactly as the raw events, past the 30 s clamp too', async () => {
    await insertRequestEvents(ch.inserter, ch.database, 'batch-totals', events('org-totals', 300));
    const query = { orgId: 'org-totals', scope: all, filters: {}, ...range, bucket: 'HOUR' as const, timeZone: 'UTC', groupBy: null };
    const rolled = await queryTimeSeries(ch, query);
    expect(rolled.table).toBe(`${ch.database}.request_rollup_total_1h`);
    const raw = await queryTimeSeries(ch, { ...query, forceSource: 'raw' });
    expect(rolled.groups).toEqual(raw.groups);
    const points = rolled.groups[0]!.points;
    expect(points.map((p) => p.requests)).toEqual([100, 100, 100]);
    // The second hour's p95 is past 30 s: answered from the coarse state, as the raw events do.
    expect(points[1]!.latencyP95Ms).toBeGreaterThan(30_000);
    expect(points[0]!.latencyP95Ms).toBeLessThan(30_000);
    // …the answer of the one query joining both states in SQL.
    const [joined] = await (
      await ch.client.query({
        query: `SELECT ${percentilesFromEvents('latency_ms')} AS latency, ${percentilesFromEvents('ttft_ms')} AS ttft FROM ${ch.database}.${REQUEST_EVENTS_TABLE} FINAL
          WHERE org_id = 'org-totals' AND toStartOfHour(ts) = toDateTime64('${formatEventTime(T0 + HOUR)}', 3, 'UTC')`,
        format: 'JSONEachRow',
      })
    ).json<{ latency: number[]; ttft: number[] }>();
    expect([points[1]!.latencyP50Ms, points[1]!.latencyP95Ms, points[1]!.latencyP99Ms, points[1]!.ttftP50Ms, points[1]!.ttftP95Ms, points[1]!.ttftP99Ms]).toEqual([...joined!.latency, ...joined!.ttft]);
    const byModel = { ...query, groupBy: 'MODEL' as const };
    expect((await queryTimeSeries(ch, byModel)).groups).toEqual((await queryTimeSeries(ch, { ...byModel, forceSource: 'raw' })).groups);

    const top = await queryTop(ch, { orgId: 'org-totals', scope: all, filters: {}, ...range, by: 'MODEL', orderBy: 'LATENCY_P95' });
    const topRaw = await queryTop(ch, { orgId: 'org-totals', scope: all, filters: {}, ...range, by: 'MODEL', orderBy: 'LATENCY_P95', forceSource: 'raw' });
    expect(top.source).toBe('hour');
    expect({ rows: top.rows, totals: top.totals }).toEqual({ rows: topRaw.rows, totals: topRaw.totals });
    expect(top.totals.requests).toBe(300);

    // A team-scoped viewer's series reads the per-team totals, and sees only its team.
    const team = await queryTimeSeries(ch, { ...query, scope: { visibleTeams: new Set(['team-1']) } });
    expect(team.table).toBe(`${ch.database}.request_rollup_team_total_1h`);
    expect(team.groups).toEqual((await queryTimeSeries(ch, { ...query, scope: { visibleTeams: new Set(['team-1']) }, forceSource: 'raw' })).groups);
    expect(team.groups[0]!.points.reduce((sum, p) => sum + p.requests, 0)).toBe(150);
  });

  it('backfills its rollups once from the events stored before it', async () => {
    await insertRequestEvents(ch.inserter, ch.database, 'batch-before-0007', events('org-backfill-0007', 90));
    // Back to the state before 0007: its rollups and views gone, the migration unrecorded.
    for (const rollup of ROLLUPS_0007) {
      await ch.client.command({ query: `DROP VIEW ${ch.database}.${rollupViewName(rollup)}` });
      await ch.client.command({ query: `DROP TABLE ${ch.database}.${rollup.table}` });
    }
    await ch.client.command({ query: `DELETE FROM ${ch.database}._relay_migrations WHERE name = '0007_request_rollup_totals'` });
    expect((await migrateClickHouse(ch, logger)).applied).toEqual(['0007_request_rollup_totals']);
    expect((await migrateClickHouse(ch, logger)).applied).toEqual([]);
    await insertRequestEvents(ch.inserter, ch.database, 'batch-after-0007', events('org-backfill-0007', 30).map((e) => ({ ...e, cost_micros: 7 })));
    for (const rollup of ROLLUPS_0007) {
      const [row] = await (
        await ch.client.query({
          query: `SELECT
            (SELECT toString(sum(requests)) FROM ${ch.database}.${rollup.table}) AS rolled,
            (SELECT toString(count()) FROM ${ch.database}.${REQUEST_EVENTS_TABLE} FINAL) AS raw,
            (SELECT toString(sum(cost_micros)) FROM ${ch.database}.${rollup.table} WHERE org_id = 'org-backfill-0007') AS rolledCost,
            (SELECT toString(sum(cost_micros)) FROM ${ch.database}.${REQUEST_EVENTS_TABLE} FINAL WHERE org_id = 'org-backfill-0007') AS rawCost`,
          format: 'JSONEachRow',
        })
      ).json<{ rolled: string; raw: string; rolledCost: string; rawCost: string }>();
      expect(row, rollup.table).toEqual({ rolled: row!.raw, raw: row!.raw, rolledCost: row!.rawCost, rawCost: row!.rawCost });
      expect(Number(row!.raw), rollup.table).toBe(420);
    }
  });

  it("skips other projects' granules by the key_id bloom filter in the request log of a key", async () => {
    // Three projects of 10,000 requests each, ten keys apiece: several granules (8,192 rows) each.
    await ch.client.command({
      query: `INSERT INTO ${ch.database}.${REQUEST_EVENTS_TABLE} (event_version, request_id, ts, org_id, project_id, team_id, key_id, alias, status_code, latency_ms)
        SELECT 1, concat('req_', lower(hex(MD5(toString(number))))), toDateTime64(${T0 / 1000} + intDiv(number, 3), 3, 'UTC'), 'org-keys',
          concat('project-', toString(number % 3)), concat('team-', toString(number % 3)), concat('key-', toString(number % 3), '-', toString(intDiv(number, 3) % 10)), 'gpt', 200, 100
        FROM numbers(30000)`,
      clickhouse_settings: { insert_deduplication_token: 'batch-keys' },
    });
    const { where, params } = requestLogWhere({ orgId: 'org-keys', scope: all, ...range, keyId: 'key-1-4' });
    const explain = await (
      await ch.client.query({ query: `EXPLAIN indexes = 1 SELECT request_id FROM ${ch.database}.${REQUEST_EVENTS_TABLE} WHERE ${where.join(' AND ')}`, query_params: params, format: 'JSONEachRow' })
    ).json<{ explain: string }>();
    const lines = explain.map((row) => row.explain.trim());
    const at = lines.indexOf('Name: key_id_bloom');
    expect(at, lines.join('\n')).toBeGreaterThan(-1);
    const [kept, read] = /^Granules: (\d+)\/(\d+)$/.exec(lines.slice(at).find((line) => line.startsWith('Granules:'))!)!.slice(1).map(Number) as [number, number];
    // Only granules holding project-1's rows remain; every other project's are skipped.
    expect(read).toBeGreaterThanOrEqual(4);
    expect(kept).toBeLessThanOrEqual(2);
    const [count] = await (
      await ch.client.query({ query: `SELECT toString(count()) AS n FROM ${ch.database}.${REQUEST_EVENTS_TABLE} WHERE ${where.join(' AND ')}`, query_params: params, format: 'JSONEachRow' })
    ).json<{ n: string }>();
    expect(count!.n).toBe('1000');
  });
});
