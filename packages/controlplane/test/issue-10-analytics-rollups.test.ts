import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { formatEventTime, REQUEST_EVENT_COLUMNS_ADDED_IN_0005, REQUEST_EVENT_COLUMNS_ADDED_IN_0006, REQUEST_EVENT_INSERT_COLUMNS } from '@proxystacks/shared/events/request-events-ddl';
import { insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { percentilesFromEvents, percentilesFromStates, ROLLUPS, ROLLUPS_0004, ROLLUPS_0007, rollupViewName, type RollupSpec } from '@proxystacks/shared/events/request-rollups-ddl';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { applyAnalyticsRetention, KEEP_FOREVER } from '../src/analytics/analytics-retention.ts';
import { createClickHouse, migrateClickHouse, type ClickHouse } from '../src/analytics/clickhouse.ts';
import { loadControlplaneConfig } from '../src/config.ts';
import { backToInstallAt0004 } from './support/clickhouse-at-0004.ts';

/**
 * Issue 10: per-minute and per-hour rollups kept by materialized views, exact against the raw
 * events (sums to the unit, quantile states merging to the raw sketch's answer), also when a batch
 * is retried; filled once from the events stored before the migration; TTLs from the config.
 */

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const logger = { info: () => undefined };
const FRESH_INSTALL = [
  '0001_request_events',
  '0002_request_events_tenancy',
  '0003_request_rollups',
  '0004_request_rollups_by_width',
  '0005_request_events_cost_saved',
  '0006_request_events_attempt_log',
  '0007_request_rollup_totals',
  '0008_request_events_cache_write',
];

let dir: string;
let ch: ClickHouse;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-rollups-'));
  ch = await createClickHouse({ url: null, chdbPath: join(dir, 'chdb'), database: 'relay_rollups' });
  // A fresh chDB takes every migration, in order (0005 before 0006 and 0007, whose views read its columns).
  expect((await migrateClickHouse(ch, logger)).applied).toEqual(FRESH_INSTALL);
}, 120_000);

afterAll(async () => {
  await ch?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A spread of events over two hours: several keys, models, teams, outcomes, latencies and first-token times. */
function knownEvents(org: string, count: number): RequestEvent[] {
  return Array.from({ length: count }, (_, i) =>
    testRequestEvent({
      org_id: org,
      ts: formatEventTime(T0 + i * 37_000 + (i % 1000)),
      team_id: `team-${i % 3}`,
      project_id: `proj-${i % 3}`,
      environment_id: `env-${i % 6}`,
      environment: i % 2 === 0 ? 'production' : 'staging',
      key_id: `key-${i % 5}`,
      alias: i % 4 === 0 ? 'gpt-big' : 'gpt-small',
      provider_id: `prov-${i % 2}`,
      upstream_model: i % 4 === 0 ? 'big-1' : 'small-1',
      status_code: i % 11 === 0 ? 502 : i % 13 === 0 ? 429 : 200,
      error_code: i % 11 === 0 ? 'upstream_error' : i % 13 === 0 ? 'rate_limit_exceeded' : '',
      prompt_tokens: 10 + (i % 97),
      completion_tokens: 3 * (i % 31),
      cached_tokens: i % 7,
      cost_micros: 1_000 + i * 17,
      // Issue 9 (migration 0005): every fifth request answered from the response cache.
      cache_hit: i % 5 === 0,
      cost_saved_micros: i % 5 === 0 ? 900 + i : i % 7 === 0 ? 13 * i : 0,
      latency_ms: 20 + ((i * 7919) % 3000),
      ttft_ms: i % 3 === 0 ? null : 5 + ((i * 104729) % 800),
    }),
  );
}

async function rows<T>(query: string): Promise<T[]> {
  return (await ch.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

/** Every row of `rollup` for `org`, re-aggregated per bucket and dimensions, as JSON strings sorted. */
async function rollupAggregates(rollup: RollupSpec, org: string): Promise<string[]> {
  const dims = rollup.dimensions.join(', ');
  const percentiles = `, ${percentilesFromStates('latency_ms')} AS latency, ${percentilesFromStates('ttft_ms')} AS ttft`;
  const out = await rows<Record<string, unknown>>(`
    SELECT toString(bucket) AS b, ${dims}, toString(sum(requests)) AS requests, toString(sum(errors)) AS errors,
      toString(sum(prompt_tokens)) AS pt, toString(sum(completion_tokens)) AS ct, toString(sum(cached_tokens)) AS cached,
      toString(sum(cost_micros)) AS cost, toString(sum(cost_saved_micros)) AS saved, toString(sum(cache_hits)) AS hits,
      toString(sum(latency_ms_sum)) AS latencySum, toString(sum(ttft_ms_sum)) AS ttftSum, toString(sum(ttft_count)) AS ttftCount${percentiles}
    FROM ${ch.database}.${rollup.table} WHERE org_id = '${org}'
    GROUP BY b, ${dims}`);
  return out.map((row) => JSON.stringify(row)).sort();
}

/** The same aggregates computed from the raw events (FINAL: one row per request). */
async function rawAggregates(rollup: RollupSpec, org: string): Promise<string[]> {
  const bucket = rollup.grain === 'minute' ? 'toStartOfMinute(toDateTime(ts))' : 'toStartOfHour(toDateTime(ts))';
  const dims = rollup.dimensions.join(', ');
  const percentiles = `, ${percentilesFromEvents('latency_ms')} AS latency, ${percentilesFromEvents('ttft_ms')} AS ttft`;
  const out = await rows<Record<string, unknown>>(`
    SELECT toString(${bucket}) AS b, ${dims}, toString(count()) AS requests, toString(countIf(status_code >= 400)) AS errors,
      toString(sum(prompt_tokens)) AS pt, toString(sum(completion_tokens)) AS ct, toString(sum(cached_tokens)) AS cached,
      toString(sum(cost_micros)) AS cost, toString(sum(cost_saved_micros)) AS saved, toString(countIf(cache_hit)) AS hits,
      toString(sum(latency_ms)) AS latencySum, toString(sum(assumeNotNull(ttft_ms))) AS ttftSum, toString(countIf(isNotNull(ttft_ms))) AS ttftCount${percentiles}
    FROM ${ch.database}.request_events FINAL WHERE org_id = '${org}'
    GROUP BY b, ${dims}`);
  return out.map((row) => JSON.stringify(row)).sort();
}

describe('issue 10: rollups kept by materialized views', () => {
  it('equal the raw aggregates exactly, per minute and per hour, across several batches', async () => {
    const events = knownEvents('org-exact', 400);
    for (let i = 0; i < events.length; i += 50) {
      await insertRequestEvents(ch.inserter, ch.database, `batch-exact-${i}`, events.slice(i, i + 50));
    }
    for (const rollup of ROLLUPS) {
      const aggregates = await rollupAggregates(rollup, 'org-exact');
      // Several rows per table (the org totals rollup has one per hour: the events span a few).
      expect(aggregates.length, rollup.table).toBeGreaterThan(rollup.family === 'total' && rollup.grain === 'hour' ? 3 : 10);
      expect(aggregates, rollup.table).toEqual(await rawAggregates(rollup, 'org-exact'));
      const [total] = await rows<{ requests: string; cost: string }>(
        `SELECT toString(sum(requests)) AS requests, toString(sum(cost_micros)) AS cost FROM ${ch.database}.${rollup.table} WHERE org_id = 'org-exact'`,
      );
      expect(total, rollup.table).toEqual({ requests: '400', cost: String(events.reduce((sum, e) => sum + e.cost_micros, 0)) });
    }
  });

  it('does not double-count a retried batch (same batch id and events), in the raw table or either rollup', async () => {
    const events = knownEvents('org-retry', 60);
    await insertRequestEvents(ch.inserter, ch.database, 'batch-retry', events);
    // The answer was lost: the sender retries the same batch, twice.
    await insertRequestEvents(ch.inserter, ch.database, 'batch-retry', events);
    await insertRequestEvents(ch.inserter, ch.database, 'batch-retry', events);
    // Another batch aggregating to the very same rollup rows (same minute, dimensions and
    // measures, other request ids) is not a retry: it must count.
    const twin = events.slice(0, 1).map((e) => ({ ...e, request_id: e.request_id.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }));
    await insertRequestEvents(ch.inserter, ch.database, 'batch-twin', twin);
    const [raw] = await rows<{ n: string }>(`SELECT toString(count()) AS n FROM ${ch.database}.request_events WHERE org_id = 'org-retry'`);
    expect(raw?.n).toBe('61');
    for (const rollup of ROLLUPS) {
      const [rolled] = await rows<{ n: string }>(`SELECT toString(sum(requests)) AS n FROM ${ch.database}.${rollup.table} WHERE org_id = 'org-retry'`);
      expect(rolled?.n, rollup.table).toBe('61');
      expect(await rollupAggregates(rollup, 'org-retry'), rollup.table).toEqual(await rawAggregates(rollup, 'org-retry'));
    }
  });

  it('backfills the rollups once from the events stored before migration 0004', async () => {
    const events = knownEvents('org-backfill', 120);
    await insertRequestEvents(ch.inserter, ch.database, 'batch-backfill', events);
    // Back to an install from before 0004: no rollups or views of 0004 or 0007 (0007's views read
    // 0005's columns, so they go first), no cost saved or cache-hit columns (0005), those
    // migrations unrecorded. The events above are now "old" events the views never saw.
    for (const rollup of [...ROLLUPS_0007, ...ROLLUPS_0004]) {
      await ch.client.command({ query: `DROP VIEW ${ch.database}.${rollupViewName(rollup)}` });
      await ch.client.command({ query: `DROP TABLE ${ch.database}.${rollup.table}` });
    }
    for (const column of ['cost_saved_micros', 'cache_hit']) await ch.client.command({ query: `ALTER TABLE ${ch.database}.request_events DROP COLUMN ${column}` });
    const replayed = ['0004_request_rollups_by_width', '0005_request_events_cost_saved', '0007_request_rollup_totals'];
    await ch.client.command({ query: `DELETE FROM ${ch.database}._relay_migrations WHERE name IN (${replayed.map((name) => `'${name}'`).join(', ')})` });
    expect((await migrateClickHouse(ch, logger)).applied).toEqual(replayed);
    for (const rollup of ROLLUPS) {
      expect(await rollupAggregates(rollup, 'org-backfill'), rollup.table).toEqual(await rawAggregates(rollup, 'org-backfill'));
      // Every org's events, not only this one's: the earlier tests' too.
      const [all] = await rows<{ rolled: string; raw: string }>(
        `SELECT (SELECT toString(sum(requests)) FROM ${ch.database}.${rollup.table}) AS rolled, (SELECT toString(count()) FROM ${ch.database}.request_events FINAL) AS raw`,
      );
      expect(all?.rolled, rollup.table).toBe(all?.raw);
    }
    // Running the migrations again does nothing (recorded), and new events flow through the views.
    expect((await migrateClickHouse(ch, logger)).applied).toEqual([]);
    const later = knownEvents('org-backfill-later', 30);
    await insertRequestEvents(ch.inserter, ch.database, 'batch-later', later);
    for (const rollup of ROLLUPS) expect(await rollupAggregates(rollup, 'org-backfill-later')).toEqual(await rawAggregates(rollup, 'org-backfill-later'));
  });

  it('takes an install at 0004 through 0005, 0006 and 0007 in order: every rollup keeps its grain and sums cost saved and cache hits exactly', async () => {
    // Back to an install at 0004 (from before issue 9, 0006 and 0007 included).
    const added = [...REQUEST_EVENT_COLUMNS_ADDED_IN_0005, ...REQUEST_EVENT_COLUMNS_ADDED_IN_0006];
    const replayed = ['0005_request_events_cost_saved', '0006_request_events_attempt_log', '0007_request_rollup_totals'];
    await backToInstallAt0004(ch, added, replayed);
    // Traffic while at 0004, as that version's data planes sent it (none of the later columns).
    const columnsAt0004 = REQUEST_EVENT_INSERT_COLUMNS.filter((column) => !(added as readonly string[]).includes(column));
    await ch.client.insert({ table: `${ch.database}.request_events`, values: knownEvents('org-at-0004', 60).map((event) => Object.fromEntries(columnsAt0004.map((column) => [column, (event as Record<string, unknown>)[column]]))), format: 'JSONEachRow', columns: columnsAt0004 as [string, ...string[]] });

    expect((await migrateClickHouse(ch, logger)).applied).toEqual(replayed);
    const after = knownEvents('org-after-0005', 60);
    await insertRequestEvents(ch.inserter, ch.database, 'batch-after-0005', after);
    for (const rollup of ROLLUPS) {
      // Each view buckets by its table's grain (0005 recreated 0004's, 0007 created its own).
      const [view] = await rows<{ q: string }>(`SELECT create_table_query AS q FROM system.tables WHERE database = '${ch.database}' AND name = '${rollupViewName(rollup)}'`);
      expect(view?.q, rollup.table).toContain(rollup.grain === 'minute' ? 'toStartOfMinute(toDateTime(ts)) AS bucket' : 'toStartOfHour(toDateTime(ts)) AS bucket');
      // Before 0005: cost saved 0 and no hits (0007 backfilled these); after it: summed exactly.
      for (const org of ['org-at-0004', 'org-after-0005']) expect(await rollupAggregates(rollup, org), `${rollup.table} ${org}`).toEqual(await rawAggregates(rollup, org));
      const [sums] = await rows<{ saved: string; hits: string; savedBefore: string }>(
        `SELECT toString(sumIf(cost_saved_micros, org_id = 'org-after-0005')) AS saved, toString(sumIf(cache_hits, org_id = 'org-after-0005')) AS hits,
          toString(sumIf(cost_saved_micros + cache_hits, org_id = 'org-at-0004')) AS savedBefore FROM ${ch.database}.${rollup.table}`,
      );
      expect(sums, rollup.table).toEqual({
        saved: String(after.reduce((sum, e) => sum + e.cost_saved_micros, 0)),
        hits: String(after.filter((e) => e.cache_hit).length),
        savedBefore: '0',
      });
    }
  });

  it('applies the configured TTLs to the raw table and the rollups, and removes them at 0', async () => {
    const config = loadControlplaneConfig({
      RELAY_MASTER_KEY: 'a'.repeat(64),
      RELAY_KEY_SECRET: 'k'.repeat(32),
      RELAY_INTERNAL_TOKEN: 'i'.repeat(32),
      ANALYTICS_RAW_TTL_DAYS: '90',
      ANALYTICS_MINUTE_ROLLUP_TTL_DAYS: '7',
      ANALYTICS_HOUR_ROLLUP_TTL_DAYS: '400',
    });
    expect(config.analyticsRetention).toEqual({ rawEvents: 90, minuteRollup: 7, hourRollup: 400 });
    expect(() => loadControlplaneConfig({ RELAY_MASTER_KEY: 'a'.repeat(64), RELAY_KEY_SECRET: 'k'.repeat(32), RELAY_INTERNAL_TOKEN: 'i'.repeat(32), ANALYTICS_RAW_TTL_DAYS: '-1' })).toThrow(/ANALYTICS_RAW_TTL_DAYS/);

    const ddl = async (table: string) => (await rows<{ statement: string }>(`SHOW CREATE TABLE ${ch.database}.${table}`))[0]!.statement;
    const tables = (grain: 'minute' | 'hour') => ROLLUPS.filter((r) => r.grain === grain).map((r) => r.table);
    expect(await applyAnalyticsRetention(ch, config.analyticsRetention, logger)).toEqual(['request_events', ...ROLLUPS.map((r) => r.table)]);
    expect(await ddl('request_events')).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(90\)/);
    for (const table of tables('minute')) expect(await ddl(table)).toMatch(/TTL bucket \+ toIntervalDay\(7\)/);
    for (const table of tables('hour')) expect(await ddl(table)).toMatch(/TTL bucket \+ toIntervalDay\(400\)/);
    // Unchanged settings change nothing at the next start.
    expect(await applyAnalyticsRetention(ch, config.analyticsRetention, logger)).toEqual([]);
    // 0 = forever.
    expect(await applyAnalyticsRetention(ch, { ...KEEP_FOREVER, hourRollup: 400 }, logger)).toEqual(['request_events', ...tables('minute')]);
    expect(await ddl('request_events')).not.toMatch(/TTL/);
    for (const table of tables('hour')) expect(await ddl(table)).toMatch(/TTL bucket \+ toIntervalDay\(400\)/);
  });
});
