import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type BenchChild } from './child-process.ts';
import { compiledBenchScript } from './compiled-script.ts';
import { summarizeCpuProfiles } from './cpu-profile-summary.ts';
import { pickLoadTool, type LoadSpec } from './load.ts';
import { BENCH_CHAT_BODY, measureFloorComparison, renderFloorMarkdown } from './floor-comparison.ts';
import { machineInfo } from './machine-info.ts';
import { readRssMiB } from './proc-memory.ts';
import { renderMarkdown, type BenchResults, type Overhead, type ScenarioResult } from './report.ts';
import { runSlowReaders, type SlowReaderResult } from './slow-readers.ts';

/**
 * `pnpm bench`: data plane benchmarks. Starts the standalone mock upstream and a data plane
 * (pointed at that mock) as child processes, drives them with wrk (or autocannon), and writes
 * bench/results/latest.json and latest.md. Knobs (env): BENCH_DURATION_S (10), BENCH_WARMUP_S
 * (2), BENCH_CONNECTIONS (32), BENCH_AB_ROUNDS (7) × BENCH_AB_RUN_S (3) for the interleaved
 * admission pairs, BENCH_TOOL (wrk|autocannon), BENCH_CPU_PROF=1 (profile the data
 * plane with node --cpu-prof and print where its CPU went).
 *
 * Issue 11: the same run also starts the floor (bench/serve-floor.ts, a bare uWebSockets.js +
 * undici pass-through) and compares the data plane with it: BENCH_FLOOR_CONNECTIONS (64),
 * BENCH_FLOOR_ROUNDS (3) × BENCH_FLOOR_RUN_S (5). BENCH_ONLY=floor runs only that comparison
 * (and, in the control plane's bench, `relay start`'s: packages/controlplane/bench/relay-start-floor.ts)
 * and writes bench/results/floor.{json,md} instead of latest.*, so iterating is cheap.
 * BENCH_ONLY=events skips this script (only the event-ingest bench runs).
 */
const here = import.meta.dirname;
const durationS = envInt('BENCH_DURATION_S', 10);
const warmupS = envInt('BENCH_WARMUP_S', 2);
const connections = envInt('BENCH_CONNECTIONS', 32);
/** Interleaved A/B pairs for the admission overhead (key without limits, then key with them). */
const abRounds = envInt('BENCH_AB_ROUNDS', 7);
const abRunS = envInt('BENCH_AB_RUN_S', 3);
const floorConnections = envInt('BENCH_FLOOR_CONNECTIONS', 64);
const floorRounds = Math.max(1, envInt('BENCH_FLOOR_ROUNDS', 3));
const floorRunS = Math.max(1, envInt('BENCH_FLOOR_RUN_S', 5));
const only = process.env.BENCH_ONLY ?? '';
if (only !== '' && only !== 'floor' && only !== 'events') throw new Error(`BENCH_ONLY must be empty, "floor" or "events", got ${JSON.stringify(only)}`);
// BENCH_ONLY=events: only the control plane's event-ingest bench runs (packages/controlplane/bench/event-ingest.ts).
if (only === 'events') process.exit(0);
const floorOnly = only === 'floor';
const profileDir = process.env.BENCH_CPU_PROF === '1' ? mkdtempSync(join(tmpdir(), 'relay-bench-prof-')) : null;

interface MockInfo { baseUrl: string; pid: number }
interface DataplaneInfo { url: string; key: string; limitedKey: string; badKey: string; pid: number }

const tool = pickLoadTool();
const children: BenchChild<unknown>[] = [];
try {
  const mock = await startChild<MockInfo>(join(here, 'serve-mock-upstream.ts'));
  children.push(mock);
  const quota = await startChild<{ url: string }>(join(here, 'serve-quota-grants.ts'));
  children.push(quota);
  const floorServer = await startChild<{ url: string; pid: number }>(compiledBenchScript(join(here, 'serve-floor.ts')), { env: { BENCH_MOCK_BASE_URL: mock.info.baseUrl } });
  children.push(floorServer);
  const dataplane = await startChild<DataplaneInfo>(compiledBenchScript(join(here, 'serve-dataplane.ts')), {
    env: { BENCH_MOCK_BASE_URL: mock.info.baseUrl, BENCH_QUOTA_URL: quota.info.url },
    nodeArgs: profileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir],
  });
  children.push(dataplane);
  const dp = dataplane.info;
  log(`load tool: ${tool.name} ${tool.version}; mock upstream ${mock.info.baseUrl} (pid ${mock.info.pid}); data plane ${dp.url} (pid ${dp.pid}); floor ${floorServer.info.url} (pid ${floorServer.info.pid})`);

  const direct = `${mock.info.baseUrl}/chat/completions`;
  const gateway = `${dp.url}/v1/chat/completions`;
  const chatBody = BENCH_CHAT_BODY;
  // include_usage on both sides: the gateway always asks the upstream for usage, so the direct run must too.
  const streamBody = JSON.stringify({ model: 'bench', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Benchmark mock:words=24' }] });
  const json = { 'content-type': 'application/json' };
  const auth = (key: string) => ({ ...json, authorization: `Bearer ${key}` });

  const floorUrl = `${floorServer.info.url}/v1/chat/completions`;
  await expectStatus(direct, chatBody, json, 200);
  await expectStatus(floorUrl, chatBody, json, 200);
  await expectStatus(gateway, chatBody, auth(dp.key), 200);
  await expectStatus(gateway, streamBody, auth(dp.key), 200);
  await expectStatus(gateway, chatBody, auth(dp.badKey), 401);
  await expectStatus(gateway, chatBody, auth(dp.limitedKey), 200);
  const idleMiB = readRssMiB(dp.pid)?.rssMiB ?? null;

  log(`floor comparison: ${floorRounds} rounds of ${floorRunS} s runs at ${floorConnections} and 1 connection(s)`);
  const floor = await measureFloorComparison({
    tool,
    direct: { url: direct, body: chatBody, headers: json },
    floor: { url: floorUrl, body: chatBody, headers: json, pid: floorServer.info.pid },
    gateway: { url: gateway, body: chatBody, headers: auth(dp.key), pid: dp.pid },
    rounds: floorRounds,
    runS: floorRunS,
    warmupS,
    connections: floorConnections,
    log,
  });
  if (floorOnly) {
    const machine = machineInfo(`${tool.name} ${tool.version}`);
    const markdown = [`# Data plane against the floor`, '', `${machine.date} · ${machine.cpuModel} · ${machine.cores} cores · Node ${machine.node} · ${machine.loadTool}${machine.gitCommit === null ? '' : ` · commit ${machine.gitCommit}`}`, '', ...renderFloorMarkdown(floor), ''].join('\n');
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'floor.json'), `${JSON.stringify({ machine, floor }, null, 2)}\n`);
    writeFileSync(join(here, 'results', 'floor.md'), markdown);
    process.stdout.write(`\n${markdown}\n`);
    log('wrote bench/results/floor.json and bench/results/floor.md');
  } else {
    const scenarios: ScenarioResult[] = [];
    const measure = async (
      id: string,
      title: string,
      target: 'direct' | 'gateway',
      expectedStatus: number,
      spec: Omit<LoadSpec, 'connections' | 'durationS'>,
      runConnections = connections,
    ) => {
      log(`${title} (${target}, ${runConnections} conn): warm-up ${warmupS} s, run ${durationS} s`);
      if (warmupS > 0) await tool.run({ ...spec, connections: runConnections, durationS: warmupS });
      const result = await tool.run({ ...spec, connections: runConnections, durationS });
      // The tools count responses with status >= 400; for the 401 scenario those are the expected ones.
      const unexpected = expectedStatus < 400 ? result.non2xx : result.requests - result.non2xx;
      const scenario: ScenarioResult = { id, title, target, connections: runConnections, expectedStatus, result, errors: unexpected + result.socketErrors };
      scenarios.push(scenario);
      log(`  ${result.requestsPerSec} req/s, p50 ${result.latencyMs.p50} ms, p90 ${result.latencyMs.p90} ms, p99 ${result.latencyMs.p99} ms, errors ${scenario.errors}`);
      return scenario;
    };

    /** One-connection run that is not a row of its own (the A/B pairs). */
    const measureQuiet = async (spec: Omit<LoadSpec, 'connections' | 'durationS'>, seconds: number): Promise<ScenarioResult> => {
      const result = await tool.run({ ...spec, connections: 1, durationS: seconds });
      return { id: 'ab', title: 'A/B', target: 'gateway', connections: 1, expectedStatus: 200, result, errors: result.non2xx + result.socketErrors };
    };

    const chatDirect = await measure('chat-direct', 'Chat completion, 12 words', 'direct', 200, { url: direct, body: chatBody, headers: json });
    const chatGateway = await measure('chat-gateway', 'Chat completion, 12 words', 'gateway', 200, { url: gateway, body: chatBody, headers: auth(dp.key) });
    const streamDirect = await measure('stream-direct', 'Streaming, 24 words (full response)', 'direct', 200, { url: direct, body: streamBody, headers: json });
    const streamGateway = await measure('stream-gateway', 'Streaming, 24 words (full response)', 'gateway', 200, { url: gateway, body: streamBody, headers: auth(dp.key) });
    // One connection: no queueing and no CPU contention between the processes, so the
    // difference is the gateway's own per-request cost.
    const soloDirect = await measure('chat-direct-c1', 'Chat completion, 12 words', 'direct', 200, { url: direct, body: chatBody, headers: json }, 1);
    const soloGateway = await measure('chat-gateway-c1', 'Chat completion, 12 words', 'gateway', 200, { url: gateway, body: chatBody, headers: auth(dp.key) }, 1);
    // Issue 8: the same at one connection for a key with rate limits on key, team and project and
    // budgets on organisation, team, project, environment and key (leased, reserved, settled).
    const soloLimited = await measure('chat-gateway-c1-limits', 'Chat completion, 12 words, key with limits and budgets on every scope', 'gateway', 200, { url: gateway, body: chatBody, headers: auth(dp.limitedKey) }, 1);
    // The same difference measured A/B interleaved: on a shared machine one 10 s run of each can
    // land in different noise (another process waking up), so short runs alternate and the
    // median of the per-pair differences is reported.
    const admissionPairs: Array<{ plain: ScenarioResult; limited: ScenarioResult }> = [];
    for (let round = 0; round < abRounds; round++) {
      const plain = await measureQuiet({ url: gateway, body: chatBody, headers: auth(dp.key) }, abRunS);
      const limited = await measureQuiet({ url: gateway, body: chatBody, headers: auth(dp.limitedKey) }, abRunS);
      admissionPairs.push({ plain, limited });
    }
    await measure('auth-reject', 'Bad key → 401', 'gateway', 401, { url: gateway, body: chatBody, headers: auth(dp.badKey) });
    const afterLoadMiB = readRssMiB(dp.pid)?.rssMiB ?? null;

    // 2 000 words, then the mock's maximum (10 000, five times the bytes): with backpressure the
    // peak must not grow with the stream size.
    const slowReaders: SlowReaderResult[] = [];
    for (const words of [2_000, 10_000]) {
      log(`slow readers: 50 streams of ${words} words, read slowly`);
      const s = await runSlowReaders({ url: dp.url, key: dp.key, pid: dp.pid, streams: 50, words, slowPhaseMs: 6_000, bytesPerTick: 1024, tickMs: 100 });
      log(`  RSS before ${s.rssBeforeMiB} MiB, peak ${s.rssPeakMiB} MiB, after ${s.rssAfterMiB} MiB; ${s.completed}/${s.streams} completed`);
      slowReaders.push(s);
    }
    const lifetimePeakMiB = readRssMiB(dp.pid)?.peakRssMiB ?? null;

    const overheads: Overhead[] = [
      overhead('Chat completion, 12 words, 1 connection', soloDirect, soloGateway),
      overhead('Admission with rate limits + budgets on every scope, 1 connection (limited key − key without limits)', soloGateway, soloLimited),
      medianOverhead(`Admission with rate limits + budgets on every scope, 1 connection, median of ${abRounds} interleaved ${abRunS} s pairs`, admissionPairs),
      overhead(`Chat completion, 12 words, ${connections} connections`, chatDirect, chatGateway), overhead(`Streaming, 24 words, ${connections} connections`, streamDirect, streamGateway),
    ];
    const results: BenchResults = {
      machine: machineInfo(`${tool.name} ${tool.version}`),
      settings: { durationS, warmupS, connections },
      scenarios,
      overheads,
      floor,
      memory: { idleMiB, afterLoadMiB, slowReaders, lifetimePeakMiB },
      notes: [
        'The data plane, the mock upstream and the load generator are three separate processes on the same machine; the data plane forwards to that same mock process, so the upstream work is identical for direct and gateway runs.',
        'Gateway overhead = gateway latency − direct latency at the same percentile (percentiles do not subtract exactly; read it as an estimate). The 1-connection run is the per-request cost; at 32 connections latency is mostly queueing (≈ connections ÷ throughput), and on a machine with few cores the three processes compete for CPU, which inflates the gateway figures.',
        'Streaming latency is the time to the complete response (wrk cannot time the first byte).',
        'Admission: the limited key has rpm + tpm + conc on its key, team and project and a daily hard budget on its organisation, team, project, environment and key (14 counters reserved and settled per request, rate-limit headers on every answer); its leases come from a stand-in quota service (bench/serve-quota-grants.ts) in its own process, renewed off the hot path. Issue 8 target: within 50 µs p50 of the key without limits.',
        'Events go through the production pipeline (the crash-safe event log on disk, each event written before its answer completes (the first event of an event-loop turn at once, the others of that turn in one write at its end), fsync every 200 ms; the bounded queue and batching) into a sink that discards them (event-log.md has the per-event cost of the log alone): ClickHouse writes are excluded because they are off the hot path (batched, up to 10,000 events or 1 s) and would measure ClickHouse, not the gateway.',
        'Slow-reader RSS is sampled from /proc/<pid>/status every 50 ms.',
      ],
    };

    mkdirSync(join(here, 'results'), { recursive: true });
    const markdown = renderMarkdown(results);
    writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(here, 'results', 'latest.md'), markdown);
    process.stdout.write(`\n${markdown}\n`);
    log('wrote bench/results/latest.json and bench/results/latest.md');
  }
} finally {
  for (const child of children.reverse()) await child.stop();
  if (profileDir !== null) process.stdout.write(`\n${summarizeCpuProfiles(profileDir)}\n(profiles in ${profileDir})\n`);
}

/** Per-percentile median of the pairs' differences (limited − plain): drift that hits both runs of a pair cancels. */
function medianOverhead(title: string, pairs: ReadonlyArray<{ plain: ScenarioResult; limited: ScenarioResult }>): Overhead {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const diffs = (pick: (l: ScenarioResult['result']['latencyMs']) => number) => pairs.map((p) => pick(p.limited.result.latencyMs) - pick(p.plain.result.latencyMs));
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return { title, p50Ms: round(median(diffs((l) => l.p50))), p90Ms: round(median(diffs((l) => l.p90))), p99Ms: round(median(diffs((l) => l.p99))) };
}

function overhead(title: string, direct: ScenarioResult, gateway: ScenarioResult): Overhead {
  const d = direct.result.latencyMs;
  const g = gateway.result.latencyMs;
  const diff = (a: number, b: number) => Math.round((a - b) * 1000) / 1000;
  return { title, p50Ms: diff(g.p50, d.p50), p90Ms: diff(g.p90, d.p90), p99Ms: diff(g.p99, d.p99) };
}

async function expectStatus(url: string, body: string, headers: Record<string, string>, status: number): Promise<void> {
  const response = await fetch(url, { method: 'POST', body, headers });
  const text = await response.text();
  if (response.status !== status) throw new Error(`sanity check: POST ${url} answered ${response.status}, expected ${status}: ${text.slice(0, 300)}`);
}

function envInt(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
