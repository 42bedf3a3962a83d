import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { startChild, type BenchChild } from './child-process.ts';
import { compiledBenchScript } from './compiled-script.ts';
import { positiveEnvInt } from './env-int.ts';
import { machineInfo } from './machine-info.ts';

/**
 * Time to the first streamed token at one connection (issue 11 target: the gateway adds at most
 * 300 µs over direct). The mock upstream (its own process) streams three words 5 ms apart with
 * usage; a client on one keep-alive connection sends a streaming chat request and stops the
 * clock at the first SSE chunk that carries content, then drains the rest so the connection is
 * reused. Direct (client → mock) and gateway (client → data plane → the same mock) runs
 * alternate, BENCH_FT_ROUNDS (10) rounds of BENCH_FT_REQUESTS (200) requests each; the figure
 * reported is the median over rounds of (gateway p50 − direct p50), which cancels most of the
 * machine's drift. Writes bench/results/first-token.{json,md}.
 *
 *   npx tsx packages/dataplane/bench/first-token.ts
 */
// BENCH_ONLY selects one benchmark of `pnpm bench`: this one runs in a full run and with BENCH_ONLY=floor.
if (!['', 'floor'].includes(process.env.BENCH_ONLY ?? '')) process.exit(0);

const here = import.meta.dirname;
const rounds = positiveEnvInt('BENCH_FT_ROUNDS', 10);
const requestsPerRun = positiveEnvInt('BENCH_FT_REQUESTS', 200);
const warmupRequests = 300;
const TARGET_US = 300;
/** Milliseconds between the mock's words; the first word waits this long too. */
const delayMs = Number(process.env.BENCH_FT_DELAY_MS ?? 5);

const body = JSON.stringify({
  model: 'bench',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: `Benchmark mock:words=3 mock:delay=${delayMs}` }],
});
/** The first chunk with content: the role-only opening chunk (`"content":""`) does not count. */
const CONTENT = /"content":"[^"]/;

interface Target {
  url: URL;
  headers: Record<string, string>;
}

/** Microseconds from sending the request to its first content chunk, for `count` requests in a row on one connection. */
async function timeFirstTokens(target: Target, agent: Agent, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await firstTokenUs(target, agent));
  return times;
}

function firstTokenUs(target: Target, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let firstAt: bigint | null = null;
    let seen = '';
    const req = request(target.url, { method: 'POST', agent, headers: { ...target.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`${target.url.href} answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (firstAt !== null) return;
        // A token may straddle two reads: keep the tail of the previous one.
        seen = seen.slice(-32) + chunk;
        if (CONTENT.test(seen)) firstAt = process.hrtime.bigint();
      });
      res.on('end', () => (firstAt === null ? reject(new Error('the stream ended without content')) : resolve(Number(firstAt - started) / 1000)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface RunFigures {
  p50Us: number;
  p90Us: number;
}

function figures(times: readonly number[]): RunFigures {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50Us: Math.round(percentile(sorted, 50)), p90Us: Math.round(percentile(sorted, 90)) };
}

const children: BenchChild<unknown>[] = [];
try {
  const mock = await startChild<{ baseUrl: string }>(join(here, 'serve-mock-upstream.ts'));
  children.push(mock);
  const dataplane = await startChild<{ url: string; key: string }>(compiledBenchScript(join(here, 'serve-dataplane.ts')), { env: { BENCH_MOCK_BASE_URL: mock.info.baseUrl } });
  children.push(dataplane);
  const floorChild = await startChild<{ url: string }>(compiledBenchScript(join(here, 'serve-floor.ts')), { env: { BENCH_MOCK_BASE_URL: mock.info.baseUrl } });
  children.push(floorChild);
  const direct: Target = { url: new URL(`${mock.info.baseUrl}/chat/completions`), headers: {} };
  const gateway: Target = { url: new URL(`${dataplane.info.url}/v1/chat/completions`), headers: { authorization: `Bearer ${dataplane.info.key}` } };
  const floor: Target = { url: new URL(`${floorChild.info.url}/v1/chat/completions`), headers: {} };
  const targets = { direct, floor, gateway };
  // One connection per side, kept alive across every request of the run.
  const agents = { direct: new Agent({ keepAlive: true, maxSockets: 1 }), floor: new Agent({ keepAlive: true, maxSockets: 1 }), gateway: new Agent({ keepAlive: true, maxSockets: 1 }) };
  const sides = ['direct', 'floor', 'gateway'] as const;

  for (const side of sides) await timeFirstTokens(targets[side], agents[side], warmupRequests);
  const perRound: Array<Record<(typeof sides)[number], RunFigures>> = [];
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no side always runs first (or right after another).
    const order = sides.map((_, i) => sides[(i + round) % sides.length]!);
    const result: Partial<Record<(typeof sides)[number], RunFigures>> = {};
    for (const side of order) result[side] = figures(await timeFirstTokens(targets[side], agents[side], requestsPerRun));
    perRound.push({ direct: result.direct!, floor: result.floor!, gateway: result.gateway! });
    process.stderr.write(`[first-token] round ${round + 1}/${rounds}: p50 direct ${result.direct!.p50Us} µs, floor ${result.floor!.p50Us} µs, gateway ${result.gateway!.p50Us} µs\n`);
  }
  for (const side of sides) agents[side].destroy();

  const summary = {
    directP50Us: median(perRound.map((r) => r.direct.p50Us)),
    gatewayP50Us: median(perRound.map((r) => r.gateway.p50Us)),
    addedP50Us: median(perRound.map((r) => r.gateway.p50Us - r.direct.p50Us)),
    addedP90Us: median(perRound.map((r) => r.gateway.p90Us - r.direct.p90Us)),
    floorP50Us: median(perRound.map((r) => r.floor.p50Us)),
    floorAddedP50Us: median(perRound.map((r) => r.floor.p50Us - r.direct.p50Us)),
    floorAddedP90Us: median(perRound.map((r) => r.floor.p90Us - r.direct.p90Us)),
  };
  const machine = machineInfo('node:http client');
  const markdown = [
    '# Time to the first streamed token (issue 11)',
    '',
    `${machine.date} · ${machine.cpuModel} · ${machine.cores} cores · Node ${machine.node}${machine.gitCommit === null ? '' : ` · commit ${machine.gitCommit}`}`,
    '',
    `One connection, ${rounds} interleaved rounds of ${requestsPerRun} streaming requests per side (after ${warmupRequests} warm-up requests each); the mock upstream streams 3 words ${delayMs} ms apart with usage. Time from sending the request to the first SSE chunk with content. Command: \`npx tsx packages/dataplane/bench/first-token.ts\`.`,
    '',
    '| | direct | floor | gateway | added by the floor | added by the gateway | target |',
    '|---|--:|--:|--:|--:|--:|---|',
    `| first token p50 (µs, median over rounds) | ${summary.directP50Us} | ${summary.floorP50Us} | ${summary.gatewayP50Us} | +${summary.floorAddedP50Us} | +${summary.addedP50Us} | gateway ≤ +${TARGET_US} µs: ${summary.addedP50Us <= TARGET_US ? 'met' : '**missed**'} |`,
    `| first token p90, added (µs, median over rounds) | | | | +${summary.floorAddedP90Us} | +${summary.addedP90Us} | |`,
    '',
    'Per round (p50 µs, direct / floor / gateway): ' + perRound.map((r) => `${r.direct.p50Us} / ${r.floor.p50Us} / ${r.gateway.p50Us}`).join(', '),
    '',
    'The floor is `bench/serve-floor.ts` (a bare uWebSockets.js + undici pass-through, no features) on the same mock. The gateway side is `bench/serve-dataplane.ts` (every feature on: auth, routing, metering, the event log and queue into a discarding sink) with a key without limits.',
    '',
  ].join('\n');
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'first-token.json'), `${JSON.stringify({ machine, rounds, requestsPerRun, summary, perRound }, null, 2)}\n`);
  writeFileSync(join(here, 'results', 'first-token.md'), markdown);
  process.stdout.write(`\n${markdown}\n`);
} finally {
  for (const child of children.reverse()) await child.stop();
}
