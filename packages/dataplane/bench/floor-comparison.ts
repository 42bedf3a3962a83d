import { loadavg } from 'node:os';
import type { LoadResult, LoadTool } from './load.ts';
import { readCpuMs } from './proc-cpu.ts';

/**
 * Issue 11's yardstick: the data plane with every feature on against the floor (bench/serve-floor.ts,
 * a bare uWebSockets.js + undici pass-through to the same mock upstream), measured in the same
 * run on the same machine. Rounds alternate which server goes first and the median of each
 * figure is reported, so drift on a shared machine hits both sides.
 */
export interface FloorTarget {
  /** POST URL, body and headers of one request (the gateway's carry its key). */
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The serving process, whose /proc CPU time is charged to the requests. */
  pid: number;
}

export interface FloorSideResult {
  /** Median over the rounds at `connections` connections. */
  requestsPerSec: number;
  /** CPU (user + system) of the serving process per 1,000 requests at `connections` connections, ms. */
  cpuMsPer1kRequests: number | null;
  /** p50 at one connection minus the direct p50 of the same round, µs. */
  addedP50Us: number;
  errors: number;
}

export interface FloorComparison {
  rounds: number;
  runS: number;
  connections: number;
  /** 1-minute load average when the comparison started and ended: on a shared machine, read the figures with it. */
  loadAverage: { start: number; end: number };
  directP50Us: number;
  floor: FloorSideResult;
  gateway: FloorSideResult;
  /** gateway ÷ floor. */
  throughputRatio: number;
  cpuRatio: number | null;
}

/**
 * The non-streaming chat request every `pnpm bench` load run sends (a 12-word answer from the
 * mock upstream), so the floor comparisons of the data plane and of `relay start` move the same bytes.
 */
export const BENCH_CHAT_BODY = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Benchmark mock:words=12' }] });

/** The targets (reported, never asserted). */
export const FLOOR_TARGETS = { minThroughputRatio: 0.7, aimThroughputRatio: 0.85, maxCpuRatio: 1.5, maxAddedP50Us: 200 } as const;

export async function measureFloorComparison(options: {
  tool: LoadTool;
  direct: Omit<FloorTarget, 'pid'>;
  floor: FloorTarget;
  gateway: FloorTarget;
  rounds: number;
  runS: number;
  warmupS: number;
  connections: number;
  log: (message: string) => void;
}): Promise<FloorComparison> {
  const { tool, rounds, runS, connections, log } = options;
  const loadAtStart = loadavg()[0]!;
  const run = (t: Omit<FloorTarget, 'pid'>, conn: number, seconds: number) => tool.run({ url: t.url, body: t.body, headers: t.headers, connections: conn, durationS: seconds });
  if (options.warmupS > 0) {
    for (const t of [options.floor, options.gateway]) await run(t, connections, options.warmupS);
  }
  const samples = { floor: [] as Sample[], gateway: [] as Sample[] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['floor', 'gateway'] as const) : (['gateway', 'floor'] as const);
    const loaded: Partial<Record<'floor' | 'gateway', { result: LoadResult; cpuMs: number | null }>> = {};
    for (const side of order) {
      const target = options[side];
      loaded[side] = await loadedRun(tool, target, connections, runS, () => readCpuMs(target.pid));
    }
    const direct = await run(options.direct, 1, runS);
    for (const side of order) {
      const solo = await run(options[side], 1, runS);
      const { result, cpuMs } = loaded[side]!;
      samples[side].push({
        requestsPerSec: result.requestsPerSec,
        cpuMsPer1k: cpuMs === null || result.requests === 0 ? null : (cpuMs / result.requests) * 1000,
        addedP50Us: (solo.latencyMs.p50 - direct.latencyMs.p50) * 1000,
        directP50Us: direct.latencyMs.p50 * 1000,
        errors: result.non2xx + result.socketErrors + solo.non2xx + solo.socketErrors,
      });
    }
    const last = (side: 'floor' | 'gateway') => samples[side][samples[side].length - 1]!;
    log(
      `floor round ${round + 1}/${rounds}: floor ${last('floor').requestsPerSec} req/s, ${fmt(last('floor').cpuMsPer1k)} ms CPU/1k, +${fmt(last('floor').addedP50Us)} µs p50; ` +
        `gateway ${last('gateway').requestsPerSec} req/s, ${fmt(last('gateway').cpuMsPer1k)} ms CPU/1k, +${fmt(last('gateway').addedP50Us)} µs p50`,
    );
  }
  const floor = summarize(samples.floor);
  const gateway = summarize(samples.gateway);
  return {
    rounds,
    runS,
    connections,
    loadAverage: { start: round3(loadAtStart), end: round3(loadavg()[0]!) },
    directP50Us: median(samples.floor.map((s) => s.directP50Us)),
    floor,
    gateway,
    throughputRatio: round3(gateway.requestsPerSec / floor.requestsPerSec),
    cpuRatio: floor.cpuMsPer1kRequests === null || gateway.cpuMsPer1kRequests === null ? null : round3(gateway.cpuMsPer1kRequests / floor.cpuMsPer1kRequests),
  };
}

/**
 * One run of `target` at `connections` for `runS` s and the CPU `readCpu` reports over it, in ms
 * (null when it could not be read): the serving side's cost of exactly those requests.
 */
export async function loadedRun(
  tool: LoadTool,
  target: Omit<FloorTarget, 'pid'>,
  connections: number,
  runS: number,
  readCpu: () => number | null,
): Promise<{ result: LoadResult; cpuMs: number | null }> {
  const before = readCpu();
  const result = await tool.run({ url: target.url, body: target.body, headers: target.headers, connections, durationS: runS });
  const after = readCpu();
  return { result, cpuMs: before === null || after === null ? null : after - before };
}

/** How to read figures measured under `loadAverage` (the 1-minute load average at the start and end of a comparison). */
export function loadAverageNote(loadAverage: { start: number; end: number }): string {
  return `1-minute load average ${fmt(loadAverage.start)} → ${fmt(loadAverage.end)} (with more runnable processes than cores, every figure is inflated; compare the ratios).`;
}

/** Markdown section for latest.md (or floor.md with BENCH_ONLY=floor). */
export function renderFloorMarkdown(c: FloorComparison): string[] {
  const t = FLOOR_TARGETS;
  const mark = (ok: boolean) => (ok ? 'met' : '**missed**');
  const cpuOk = c.cpuRatio !== null && c.cpuRatio <= t.maxCpuRatio;
  return [
    `## Against the floor (issue 11): bare uWebSockets.js + undici pass-through vs \`relay dataplane\` with every feature on`,
    '',
    `Median of ${c.rounds} interleaved rounds of ${c.runS} s runs; the floor (bench/serve-floor.ts) and the data plane forward to the same mock upstream process. Direct p50 at 1 connection: ${fmt(c.directP50Us)} µs. ${loadAverageNote(c.loadAverage)}`,
    '',
    '| | floor | `relay dataplane` | gateway ÷ floor | target |',
    '|---|--:|--:|--:|---|',
    `| req/s at ${c.connections} connections | ${c.floor.requestsPerSec} | ${c.gateway.requestsPerSec} | ${c.throughputRatio}× | ≥ ${t.minThroughputRatio}× (aim ${t.aimThroughputRatio}×): ${mark(c.throughputRatio >= t.minThroughputRatio)} |`,
    `| CPU per 1,000 requests (ms, serving process, /proc utime+stime) | ${fmt(c.floor.cpuMsPer1kRequests)} | ${fmt(c.gateway.cpuMsPer1kRequests)} | ${c.cpuRatio ?? 'n/a'}× | ≤ ${t.maxCpuRatio}×: ${mark(cpuOk)} |`,
    `| added p50 over direct at 1 connection (µs) | +${fmt(c.floor.addedP50Us)} | +${fmt(c.gateway.addedP50Us)} | | gateway ≤ +${t.maxAddedP50Us} µs: ${mark(c.gateway.addedP50Us <= t.maxAddedP50Us)} |`,
    `| errors (non-2xx + socket) | ${c.floor.errors} | ${c.gateway.errors} | | 0 |`,
  ];
}

interface Sample {
  requestsPerSec: number;
  cpuMsPer1k: number | null;
  addedP50Us: number;
  directP50Us: number;
  errors: number;
}

function summarize(samples: Sample[]): FloorSideResult {
  const cpu = samples.map((s) => s.cpuMsPer1k).filter((v): v is number => v !== null);
  return {
    requestsPerSec: Math.round(median(samples.map((s) => s.requestsPerSec))),
    cpuMsPer1kRequests: cpu.length === 0 ? null : round3(median(cpu)),
    addedP50Us: Math.round(median(samples.map((s) => s.addedP50Us))),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round3 = (n: number) => Math.round(n * 1000) / 1000;
const fmt = (n: number | null) => (n === null ? 'n/a' : Number(n.toFixed(1)).toString());
