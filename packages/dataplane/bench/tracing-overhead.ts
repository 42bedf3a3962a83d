import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startChild, type BenchChild } from './child-process.ts';
import { compiledBenchScript } from './compiled-script.ts';
import { runWrk } from './load-wrk.ts';
import { machineInfo } from './machine-info.ts';

/**
 * Focused benchmark of OpenTelemetry tracing on the data plane (issue 11): the same data plane
 * (serve-dataplane.ts) twice, one with tracing off (the default) and one tracing every request
 * (OTEL_TRACES_SAMPLER=always_on) to a loopback OTLP/HTTP receiver that counts and discards the
 * spans; both against the standalone mock upstream. Runs alternate off/on (BENCH_ROUNDS rounds of
 * BENCH_DURATION_S seconds at BENCH_CONNECTIONS connections, after a warm-up of each) so drift
 * on a shared machine hits both alike. Reports req/s and the data plane's own CPU (utime +
 * stime from /proc) per 1,000 requests; writes bench/results/tracing.json and tracing.md.
 * Run: `npx tsx packages/dataplane/bench/tracing-overhead.ts` (wrk required).
 */
const here = import.meta.dirname;
const durationS = envInt('BENCH_DURATION_S', 10);
const rounds = envInt('BENCH_ROUNDS', 3);
const connections = envInt('BENCH_CONNECTIONS', 64);
const CLOCK_TICKS_PER_S = 100;

interface DataplaneInfo { url: string; key: string; pid: number }
interface Summary { requestsPerSec: number; cpuMsPer1000: number; p50Ms: number; p99Ms: number }
interface Results { machine: ReturnType<typeof machineInfo>; connections: number; durationS: number; rounds: number; off: Summary; on: Summary; spans: { received: number; exportRequests: number; expectedAtLeast: number }; runs: Run[] }
interface Run { mode: 'off' | 'on'; requestsPerSec: number; requests: number; cpuMsPer1000: number; p50Ms: number; p99Ms: number; non2xx: number }

const collector = await startCountingCollector();
const children: BenchChild<unknown>[] = [];
try {
  const mock = await startChild<{ baseUrl: string }>(join(here, 'serve-mock-upstream.ts'));
  children.push(mock);
  const dataplaneScript = compiledBenchScript(join(here, 'serve-dataplane.ts'));
  const start = (env: Record<string, string>) => startChild<DataplaneInfo>(dataplaneScript, { env: { BENCH_MOCK_BASE_URL: mock.info.baseUrl, ...env } });
  const off = await start({});
  children.push(off);
  const on = await start({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url, OTEL_TRACES_SAMPLER: 'always_on', OTEL_BSP_SCHEDULE_DELAY: '1000', OTEL_BSP_MAX_QUEUE_SIZE: '8192' });
  children.push(on);
  const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Benchmark mock:words=12' }] });
  const load = (dp: DataplaneInfo, seconds: number) =>
    runWrk({ url: `${dp.url}/v1/chat/completions`, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${dp.key}` }, connections, durationS: seconds });

  await load(off.info, 2);
  await load(on.info, 2);
  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [mode, dp] of [['off', off.info], ['on', on.info]] as const) {
      const cpuBefore = cpuTicks(dp.pid);
      const result = await load(dp, durationS);
      const cpuMs = ((cpuTicks(dp.pid) - cpuBefore) * 1000) / CLOCK_TICKS_PER_S;
      const run: Run = { mode, requestsPerSec: result.requestsPerSec, requests: result.requests, cpuMsPer1000: Math.round((cpuMs / result.requests) * 1000 * 10) / 10, p50Ms: result.latencyMs.p50, p99Ms: result.latencyMs.p99, non2xx: result.non2xx };
      runs.push(run);
      process.stderr.write(`${JSON.stringify(run)}\n`);
    }
  }
  // Let the last batches arrive, then compare spans received with requests served.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  const summary = (mode: Run['mode']): Summary => {
    const of = runs.filter((r) => r.mode === mode);
    return { requestsPerSec: median(of.map((r) => r.requestsPerSec)), cpuMsPer1000: median(of.map((r) => r.cpuMsPer1000)), p50Ms: median(of.map((r) => r.p50Ms)), p99Ms: median(of.map((r) => r.p99Ms)) };
  };
  const servedOn = runs.filter((r) => r.mode === 'on').reduce((n, r) => n + r.requests, 0);
  const results: Results = {
    machine: machineInfo('wrk'),
    connections,
    durationS,
    rounds,
    off: summary('off'),
    on: summary('on'),
    // Each traced request is two spans: the server span and one upstream attempt.
    spans: { received: collector.spans(), exportRequests: collector.posts(), expectedAtLeast: servedOn * 2 },
    runs,
  };
  writeFileSync(join(here, 'results', 'tracing.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(here, 'results', 'tracing.md'), markdown(results));
  process.stdout.write(markdown(results));
} finally {
  for (const child of children.reverse()) await child.stop();
  collector.close();
}

function markdown(r: Results): string {
  const { off, on } = r;
  const ratio = (a: number, b: number) => `${((a / b) * 100).toFixed(1)} %`;
  return [
    `# Tracing overhead (data plane, chat completions, JSON)`,
    '',
    `${r.machine.date}, ${r.machine.cpuModel} × ${r.machine.cores}, commit ${r.machine.gitCommit ?? '?'}; wrk, ${r.connections} connections, ${r.rounds} alternating rounds of ${r.durationS} s each (medians); the mock upstream, the load generator and the receiver share the cores.`,
    '',
    '| | tracing off (default) | tracing on, every request sampled | on / off |',
    '| --- | ---: | ---: | ---: |',
    `| req/s | ${off.requestsPerSec} | ${on.requestsPerSec} | ${ratio(on.requestsPerSec, off.requestsPerSec)} |`,
    `| data plane CPU per 1,000 requests | ${off.cpuMsPer1000} ms | ${on.cpuMsPer1000} ms | ${ratio(on.cpuMsPer1000, off.cpuMsPer1000)} |`,
    `| p50 / p99 latency | ${off.p50Ms} / ${off.p99Ms} ms | ${on.p50Ms} / ${on.p99Ms} ms | |`,
    '',
    `Spans received by the OTLP receiver: ${r.spans.received} in ${r.spans.exportRequests} exports, for at least ${r.spans.expectedAtLeast} expected (2 per traced request, warm-up excluded).`,
    '',
  ].join('\n');
}

/** A loopback OTLP/HTTP receiver that counts spans (by their `spanId` keys) and discards them. */
async function startCountingCollector(): Promise<{ url: string; spans(): number; posts(): number; close(): void }> {
  let spans = 0;
  let posts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts++;
      spans += Buffer.concat(chunks).toString('latin1').split('"spanId"').length - 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, spans: () => spans, posts: () => posts, close: () => server.close() };
}

function cpuTicks(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime), counted after the `(comm)` field.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function envInt(name: string, fallback: number): number {
  const value = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
