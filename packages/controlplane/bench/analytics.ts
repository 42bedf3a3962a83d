/**
 * Analytics at ten million requests: loads synthetic events into chDB (batched columnar
 * INSERT … SELECT from numbers(), one million rows a batch, each batch going through the
 * rollup materialized views like any insert), then times the console's overview, charts,
 * top-N and drill-down queries, and writes bench/results/analytics.{json,md}.
 *
 *   npx -y pnpm@10.34.9 --filter @proxystacks/controlplane bench:analytics
 *   BENCH_EVENTS=1000000 BENCH_RUNS=20 … (smaller / more runs)
 *   BENCH_CHDB_DIR=/tmp/relay-bench … (keeps the chDB data there: a rerun with the same
 *   BENCH_EVENTS skips the load, migrates and times the queries again)
 *
 * Data (cardinalities of a mid-sized tenant base): 30 days ending now, spread evenly; 3 orgs
 * (70 / 20 / 10 % of traffic), 50 teams with one project and two environments each, 500 keys
 * (10 a team, popularity skewed: the busiest keys send most requests; every fifth key is
 * staging), 30 models on 6 providers, each team using 5 of them; statuses 200 (96 %), 429, 502,
 * 500, 400, 401; latency log-normal around 1.1 s (median) up to 5 min; 60 % streamed, with a
 * first token. The queries read the largest org.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import { ROLLUPS } from '@proxystacks/shared/events/request-rollups-ddl';
import { createClickHouse, migrateClickHouse } from '../src/analytics/clickhouse.ts';
import { findRequest, listRequests } from '../src/analytics/request-log-query.ts';
import { queryTimeSeries } from '../src/analytics/time-series-query.ts';
import { queryTop, type TopQuery } from '../src/analytics/top-query.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BATCH = 1_000_000;
const ORG = 'org-1';
const DAY = 86_400_000;
const HOUR = 3_600_000;

const keptDir = process.env.BENCH_CHDB_DIR ?? null;
const dir = keptDir ?? (await mkdtemp(join(tmpdir(), 'relay-bench-analytics-')));
const ch = await createClickHouse({ url: null, chdbPath: join(dir, 'chdb'), database: 'relay_bench' });
try {
  await migrateClickHouse(ch, { info: () => undefined });
  const [stored] = await (await ch.client.query({ query: `SELECT count() AS n, toUnixTimestamp64Milli(max(ts)) AS lastMs FROM ${ch.database}.${REQUEST_EVENTS_TABLE}`, format: 'JSONEachRow' })).json<{ n: string; lastMs: string }>();
  const reused = Number(stored!.n) === EVENTS;
  // A reused load keeps its own window: it ended at the hour after its last event.
  const nowMs = reused ? Math.ceil(Number(stored!.lastMs) / HOUR) * HOUR : Math.floor(Date.now() / HOUR) * HOUR;
  const startMs = nowMs - 30 * DAY;
  const loadStarted = performance.now();
  for (let offset = 0; offset < (reused ? 0 : EVENTS); offset += BATCH) {
    const rows = Math.min(BATCH, EVENTS - offset);
    await ch.client.command({ query: loadSql(ch.database, offset, rows, startMs, 30 * DAY), clickhouse_settings: { insert_deduplication_token: `bench-${offset}` } });
    process.stdout.write(`loaded ${offset + rows} events (${((performance.now() - loadStarted) / 1000).toFixed(1)} s)\n`);
  }
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  // Rows inserted by the views land as new parts; time the queries once background merges have
  // settled, as a running system sees them (merges run continuously, not all at once).
  const mergeStarted = performance.now();
  while (Number((await (await ch.client.query({ query: 'SELECT count() AS n FROM system.merges', format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const mergeSeconds = (performance.now() - mergeStarted) / 1000;
  const rowCounts: Record<string, number> = {};
  for (const table of [REQUEST_EVENTS_TABLE, ...ROLLUPS.map((r) => r.table)]) {
    const [row] = await (await ch.client.query({ query: `SELECT count() AS n FROM ${ch.database}.${table}`, format: 'JSONEachRow' })).json<{ n: string }>();
    rowCounts[table] = Number(row!.n);
  }

  const base = { orgId: ORG, scope: { visibleTeams: 'all' as const }, filters: {} };
  const to = new Date(nowMs);
  const from7 = new Date(nowMs - 7 * DAY);
  const from14 = new Date(nowMs - 14 * DAY);
  const from30 = new Date(nowMs - 30 * DAY);
  const someKey = 'key-017';
  // One of the five models key-017's team (team-1) uses, so the drill-down page has rows to show.
  const someModel = 'model-7';
  // A request of the queried org from the last day (the lookup must not know where it is).
  const [picked] = await (await ch.client.query({
    query: `SELECT request_id FROM ${ch.database}.${REQUEST_EVENTS_TABLE} WHERE org_id = {org:String} AND ts >= {since:DateTime64(3)} ORDER BY request_id LIMIT 1`,
    query_params: { org: ORG, since: new Date(nowMs - DAY).toISOString().replace('T', ' ').slice(0, 23) },
    format: 'JSONEachRow',
  })).json<{ request_id: string }>();
  const someRequest = picked!.request_id;
  /** The overview's tiles for one range: totals, and active models (models with requests). */
  const tiles = (from: Date, until: Date) =>
    queryTop(ch, { ...base, from, to: until, by: 'MODEL', limit: 100, metrics: ['REQUESTS', 'ERRORS', 'COST', 'COST_SAVED', 'LATENCY_AVG'] } satisfies TopQuery);
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['overview tiles, 7 days and the previous 7 (requests, active models, avg latency, error rate, spend, saved)', () => Promise.all([tiles(from7, to), tiles(from14, from7)])],
    ['time series, hourly, 7 days, requests and errors', () => queryTimeSeries(ch, { ...base, from: from7, to, bucket: 'HOUR', timeZone: 'Europe/Berlin', groupBy: null, metrics: ['REQUESTS', 'ERRORS'] })],
    ['time series, hourly, 7 days, latency and ttft p50/p95/p99', () => queryTimeSeries(ch, { ...base, from: from7, to, bucket: 'HOUR', timeZone: 'Europe/Berlin', groupBy: null, metrics: ['LATENCY', 'TTFT'] })],
    ['time series, daily, 30 days, spend by model (stacked, top 10 + other)', () => queryTimeSeries(ch, { ...base, from: from30, to, bucket: 'DAY', timeZone: 'Europe/Berlin', groupBy: 'MODEL', metrics: ['COST'] })],
    ['time series, hourly, 30 days, every metric', () => queryTimeSeries(ch, { ...base, from: from30, to, bucket: 'HOUR', timeZone: 'UTC', groupBy: null })],
    ['time series, hourly, 7 days, one team (team-scoped viewer), every metric', () => queryTimeSeries(ch, { ...base, scope: { visibleTeams: new Set(['team-3']) }, from: from7, to, bucket: 'HOUR', timeZone: 'UTC', groupBy: null })],
    ['top 10 keys by cost, 30 days', () => queryTop(ch, { ...base, from: from30, to, by: 'KEY', orderBy: 'COST', metrics: ['REQUESTS', 'COST'] })],
    ['top errors, 7 days', () => queryTop(ch, { ...base, from: from7, to, by: 'ERROR_CODE', metrics: ['REQUESTS'] })],
    ['top models by p95 latency, 7 days', () => queryTop(ch, { ...base, from: from7, to, by: 'MODEL', orderBy: 'LATENCY_P95', metrics: ['REQUESTS', 'LATENCY'] })],
    ['request log page (50) filtered by key and model, 7 days', () => listRequests(ch, { ...base, from: from7, to, keyId: someKey, model: someModel, limit: 50 })],
    ['request-id lookup', async () => {
      if ((await findRequest(ch, { orgId: ORG, scope: { visibleTeams: 'all' }, requestId: someRequest })) === null) throw new Error('request not found');
    }],
  ];
  const loadBefore = loadavg()[0]!;
  const results: Array<{ query: string; p50Ms: number; p95Ms: number; maxMs: number; cpuP50Ms: number; cpuP95Ms: number; runs: number }> = [];
  for (const [name, run] of cases) {
    await run(); // warm-up: first-use costs (marks, caches) are not what the console sees
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      await run();
      times.push(performance.now() - started);
      // chDB runs in this process: its threads' CPU time is ours. On a machine shared with other
      // work the wall time includes waiting for a core; the CPU time does not.
      const used = process.cpuUsage(cpuStarted);
      cpu.push((used.user + used.system) / 1000);
    }
    const at = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)]!;
    results.push({ query: name, p50Ms: round(at(times, 0.5)), p95Ms: round(at(times, 0.95)), maxMs: round(Math.max(...times)), cpuP50Ms: round(at(cpu, 0.5)), cpuP95Ms: round(at(cpu, 0.95)), runs: RUNS });
    process.stdout.write(`${name}: p50 ${round(at(times, 0.5))} ms, p95 ${round(at(times, 0.95))} ms, CPU p50 ${round(at(cpu, 0.5))} ms, p95 ${round(at(cpu, 0.95))} ms\n`);
  }
  const report = {
    command: 'npx -y pnpm@10.34.9 --filter @proxystacks/controlplane bench:analytics',
    date: new Date().toISOString(),
    engine: 'chDB (embedded ClickHouse) ' + (await (await ch.client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>())[0]!.v,
    events: EVENTS,
    loadSeconds: reused ? null : round(loadSeconds),
    mergeWaitSeconds: round(mergeSeconds),
    /** The machine is shared: its 1-minute load average before and after the timed queries (2 cores). */
    loadAverage: { before: round(loadBefore), after: round(loadavg()[0]!) },
    rows: rowCounts,
    targetP95Ms: 200,
    results,
  };
  const out = join(import.meta.dirname, 'results');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'analytics.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(out, 'analytics.md'), markdown(report));
  process.stdout.write(`wrote ${join(out, 'analytics.md')}\n`);
} finally {
  await ch.close();
  if (keptDir === null) await rm(dir, { recursive: true, force: true });
}

/**
 * One batch of synthetic events generated by ClickHouse itself (columnar, no JSON): row n gets
 * a time spread evenly over the window and a key (hence team, org, project, environment), a
 * model, an outcome and a latency drawn from hashes of n, so the data is the same every run
 * (the file header gives the cardinalities).
 */
function loadSql(database: string, offset: number, rows: number, startMs: number, spanMs: number): string {
  const h = (salt: number) => `cityHash64(number, ${salt})`;
  return `INSERT INTO ${database}.${REQUEST_EVENTS_TABLE}
  (event_version, request_id, ts, org_id, project_id, team_id, key_id, alias, provider_id, provider_type, upstream_model, status_code, error_code,
   upstream_error_code, attempts, prompt_tokens, completion_tokens, cached_tokens, usage_source, cost_micros, pricing_rule_id, pricing_rule_version,
   snapshot_version, latency_ms, ttft_ms, streamed, stream_end, finish_reason, dataplane_id, environment_id, environment, key_prefix, key_hash_id)
SELECT 1, concat('req_', lower(hex(MD5(toString(number))))), fromUnixTimestamp64Milli(toInt64(${startMs} + intDiv(number * ${spanMs}, ${EVENTS})), 'UTC'),
  concat('org-', toString(org)), concat('project-', toString(team)), concat('team-', toString(team)), concat('key-', leftPad(toString(k), 3, '0')),
  concat('model-', toString(m)), concat('provider-', toString(m % 6)), 'openai', concat('upstream-', toString(m)),
  st, multiIf(st = 200, '', st = 429, 'rate_limit_exceeded', st = 400, 'invalid_request', st = 401, 'invalid_api_key', 'upstream_error'), '', 1,
  toUInt32(${h(7)} % 4000), if(st = 200, toUInt32(${h(8)} % 1000), 0), toUInt32(${h(9)} % 200), 'provider', if(st = 200, toInt64(${h(10)} % 50000), 0), 'rule', 1,
  1, lat, if(streamed AND st = 200, toNullable(toUInt32(lat / 5)), NULL), streamed, if(streamed, 'done', ''), 'stop', 'bench',
  concat('env-', toString(team), if(k % 5 = 0, '-staging', '-production')), if(k % 5 = 0, 'staging', 'production'), '', ''
FROM (
  SELECT number,
    toUInt32(pow(${h(1)} % 1000000 / 1000000, 1.5) * 500) AS k, intDiv(k, 10) AS team, multiIf(team < 35, 1, team < 45, 2, 3) AS org,
    (team * 7 + (${h(2)} % 5) * 3) % 30 AS m, ${h(3)} % 1000 AS sr,
    multiIf(sr < 960, 200, sr < 975, 429, sr < 985, 502, sr < 990, 500, sr < 995, 400, 401) AS st,
    toUInt32(least(300000, 40 + exp(7 + 1.2 * sqrt(-2 * log((${h(5)} % 1000000 + 1) / 1000001)) * cos(2 * pi() * (${h(6)} % 1000000) / 1000000)))) AS lat,
    ${h(4)} % 10 < 6 AS streamed
  FROM numbers(${offset}, ${rows}))`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function markdown(report: { command: string; date: string; engine: string; events: number; loadSeconds: number | null; mergeWaitSeconds: number; loadAverage: { before: number; after: number }; rows: unknown; targetP95Ms: number; results: Array<{ query: string; p50Ms: number; p95Ms: number; maxMs: number; cpuP50Ms: number; cpuP95Ms: number; runs: number }> }): string {
  const lines = [
    '# Analytics benchmark',
    '',
    `Command: \`${report.command}\` (${report.date}, ${report.engine}, a shared 2-core machine: 1-minute load average ${report.loadAverage.before} before the timed queries, ${report.loadAverage.after} after).`,
    '',
    `${report.events.toLocaleString('en')} synthetic events over 30 days (3 orgs, 50 teams and projects, 500 keys, 30 models on 6 providers, 6 statuses; see bench/analytics.ts), ${report.loadSeconds === null ? 'loaded by an earlier run (BENCH_CHDB_DIR)' : `loaded in ${report.loadSeconds} s`} in batches of a million through the rollup views (then ${report.mergeWaitSeconds} s until background merges settled). Queries read the largest org (70 % of the events). Rows per table: ${JSON.stringify(report.rows)}.`,
    '',
    'Wall times include waiting for a core on this shared machine; CPU times (user + system of the process, chDB included) do not.',
    '',
    `| query | p50 ms | p95 ms | max ms | CPU p50 ms | CPU p95 ms | runs | p95 < ${report.targetP95Ms} ms |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |',
    ...report.results.map((r) => `| ${r.query} | ${r.p50Ms} | ${r.p95Ms} | ${r.maxMs} | ${r.cpuP50Ms} | ${r.cpuP95Ms} | ${r.runs} | ${r.p95Ms < report.targetP95Ms ? 'yes' : 'no'} |`),
    '',
  ];
  return lines.join('\n');
}
