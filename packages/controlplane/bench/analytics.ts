/**
 * Analytics at ten million requests: loads synthetic events into chDB (batched columnar
 * INSERT … SELECT from numbers(), one million rows a batch, each batch going through the
 * rollup materialized views like any insert), then times the overview and drill-down queries
 * the console and analysts run, and writes bench/results/analytics.{json,md}.
 *
 *   npx -y pnpm@10.34.9 --filter @proxystacks/controlplane bench:analytics
 *   BENCH_EVENTS=1000000 BENCH_RUNS=20 … (smaller / more runs)
 *
 * Data: 30 days ending now, 40 teams, 2000 keys (50 a team), 12 models on 4 providers, about
 * 3 % errors, latencies 50 ms–60 s (log-normal-ish), first tokens for streamed requests.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import { createClickHouse, migrateClickHouse } from '../src/analytics/clickhouse.ts';
import { findRequest, listRequests } from '../src/analytics/request-log-query.ts';
import { queryTimeSeries } from '../src/analytics/time-series-query.ts';
import { queryTop } from '../src/analytics/top-query.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BATCH = 1_000_000;
const ORG = '00000000-0000-4000-8000-000000000001';
const DAY = 86_400_000;
const HOUR = 3_600_000;

const dir = await mkdtemp(join(tmpdir(), 'relay-bench-analytics-'));
const ch = await createClickHouse({ url: null, chdbPath: join(dir, 'chdb'), database: 'relay_bench' });
try {
  await migrateClickHouse(ch, { info: () => undefined });
  const nowMs = Math.floor(Date.now() / HOUR) * HOUR;
  const startMs = nowMs - 30 * DAY;
  const loadStarted = performance.now();
  for (let offset = 0; offset < EVENTS; offset += BATCH) {
    const rows = Math.min(BATCH, EVENTS - offset);
    await ch.client.command({ query: loadSql(ch.database, offset, rows, startMs, 30 * DAY), clickhouse_settings: { insert_deduplication_token: `bench-${offset}` } });
    process.stdout.write(`loaded ${offset + rows} events (${((performance.now() - loadStarted) / 1000).toFixed(1)} s)\n`);
  }
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const counts = await (await ch.client.query({
    query: `SELECT (SELECT count() FROM ${ch.database}.${REQUEST_EVENTS_TABLE}) AS raw, (SELECT count() FROM ${ch.database}.request_rollup_1h) AS hourRows, (SELECT count() FROM ${ch.database}.request_rollup_1m) AS minuteRows`,
    format: 'JSONEachRow',
  })).json<{ raw: string; hourRows: string; minuteRows: string }>();

  const base = { orgId: ORG, scope: { visibleTeams: 'all' as const }, filters: {} };
  const to = new Date(nowMs);
  const from7 = new Date(nowMs - 7 * DAY);
  const from30 = new Date(nowMs - 30 * DAY);
  const someKey = 'key-0017';
  const someRequest = `req_${md5Hex(EVENTS - 12_345)}`;
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['time series, hourly, 7 days, by model (Europe/Berlin)', () => queryTimeSeries(ch, { ...base, from: from7, to, bucket: 'HOUR', timeZone: 'Europe/Berlin', groupBy: 'MODEL' })],
    ['time series, hourly, 30 days, by model', () => queryTimeSeries(ch, { ...base, from: from30, to, bucket: 'HOUR', timeZone: 'UTC', groupBy: 'MODEL' })],
    ['time series, daily, 30 days, totals with percentiles', () => queryTimeSeries(ch, { ...base, from: from30, to, bucket: 'DAY', timeZone: 'Europe/Berlin', groupBy: null })],
    ['top 10 keys by cost, 30 days', () => queryTop(ch, { ...base, from: from30, to, by: 'KEY', orderBy: 'COST' })],
    ['top errors, 7 days', () => queryTop(ch, { ...base, from: from7, to, by: 'ERROR_CODE' })],
    ['request log page (50) filtered by key, 7 days', () => listRequests(ch, { ...base, from: from7, to, keyId: someKey, limit: 50 })],
    ['request-id lookup', async () => {
      if ((await findRequest(ch, { orgId: ORG, scope: { visibleTeams: 'all' }, requestId: someRequest })) === null) throw new Error('request not found');
    }],
  ];
  const results: Array<{ query: string; p50Ms: number; p95Ms: number; maxMs: number; runs: number }> = [];
  for (const [name, run] of cases) {
    await run(); // warm-up: first-use costs (marks, caches) are not what the console sees
    const times: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const started = performance.now();
      await run();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
    results.push({ query: name, p50Ms: round(at(0.5)), p95Ms: round(at(0.95)), maxMs: round(times.at(-1)!), runs: RUNS });
    process.stdout.write(`${name}: p50 ${round(at(0.5))} ms, p95 ${round(at(0.95))} ms\n`);
  }
  const report = {
    command: 'npx -y pnpm@10.34.9 --filter @proxystacks/controlplane bench:analytics',
    date: new Date().toISOString(),
    engine: 'chDB (embedded ClickHouse) ' + (await (await ch.client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>())[0]!.v,
    events: EVENTS,
    loadSeconds: round(loadSeconds),
    rows: counts[0],
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
  await rm(dir, { recursive: true, force: true });
}

/**
 * One batch of synthetic events generated by ClickHouse itself (columnar, no JSON): row n gets
 * a time spread evenly over the window, a key (and its team, project, environment), a model, a
 * provider, an outcome and a latency drawn from hashes of n, so the data is the same every run.
 */
function loadSql(database: string, offset: number, rows: number, startMs: number, spanMs: number): string {
  const n = `(number + ${offset})`;
  const h = (salt: number) => `cityHash64(${n}, ${salt})`;
  const key = `${h(1)} % 2000`;
  const team = `intDiv(${key}, 50)`;
  const model = `${h(2)} % 12`;
  const failed = `${h(3)} % 100 < 3`;
  const streamed = `${h(4)} % 2 = 0`;
  const latency = `toUInt32(50 + exp((${h(5)} % 10000) / 10000 * 7) * 10)`;
  return `INSERT INTO ${database}.${REQUEST_EVENTS_TABLE}
  (event_version, request_id, ts, org_id, project_id, team_id, key_id, alias, provider_id, provider_type, upstream_model, status_code, error_code,
   upstream_error_code, attempts, prompt_tokens, completion_tokens, cached_tokens, usage_source, cost_micros, pricing_rule_id, pricing_rule_version,
   snapshot_version, latency_ms, ttft_ms, streamed, stream_end, finish_reason, dataplane_id, environment_id, environment, key_prefix, key_hash_id)
SELECT 1, concat('req_', lower(hex(MD5(toString(${n}))))),
  fromUnixTimestamp64Milli(toInt64(${startMs} + intDiv(${n} * ${spanMs}, ${EVENTS})), 'UTC'),
  '${ORG}', concat('project-', toString(${team})), concat('team-', toString(${team})), concat('key-', leftPad(toString(${key}), 4, '0')),
  concat('model-', toString(${model})), concat('provider-', toString(${model} % 4)), 'openai', concat('upstream-', toString(${model})),
  if(${failed}, if(${h(6)} % 2 = 0, 502, 429), 200), if(${failed}, if(${h(6)} % 2 = 0, 'upstream_error', 'rate_limit_exceeded'), ''),
  '', 1, toUInt32(${h(7)} % 4000), toUInt32(${h(8)} % 1000), toUInt32(${h(9)} % 200), 'provider', toInt64(${h(10)} % 50000), 'rule', 1,
  1, ${latency}, if(${streamed}, toNullable(toUInt32(${latency} / 4)), NULL), ${streamed}, if(${streamed}, 'done', ''), 'stop', 'bench',
  concat('env-', toString(${team})), if(${key} % 3 = 0, 'staging', 'production'), '', ''
FROM numbers(${rows})`;
}

/** MD5 of the decimal `n` in hex, as ClickHouse's lower(hex(MD5(toString(n)))). */
function md5Hex(n: number): string {
  return createHash('md5').update(String(n)).digest('hex');
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function markdown(report: { command: string; date: string; engine: string; events: number; loadSeconds: number; rows: unknown; targetP95Ms: number; results: Array<{ query: string; p50Ms: number; p95Ms: number; maxMs: number; runs: number }> }): string {
  const lines = [
    '# Analytics benchmark',
    '',
    `Command: \`${report.command}\` (${report.date}, ${report.engine}, a shared 2-core machine).`,
    '',
    `${report.events.toLocaleString('en')} synthetic events over 30 days (2000 keys, 40 teams, 12 models), loaded in ${report.loadSeconds} s through the rollup views. Rows: ${JSON.stringify(report.rows)}.`,
    '',
    `| query | p50 ms | p95 ms | max ms | runs | p95 < ${report.targetP95Ms} ms |`,
    '| --- | ---: | ---: | ---: | ---: | :---: |',
    ...report.results.map((r) => `| ${r.query} | ${r.p50Ms} | ${r.p95Ms} | ${r.maxMs} | ${r.runs} | ${r.p95Ms < report.targetP95Ms ? 'yes' : 'no'} |`),
    '',
  ];
  return lines.join('\n');
}
