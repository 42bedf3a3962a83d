/**
 * `pnpm bench` (alone: `cd packages/controlplane && npx tsx bench/relay-start-floor.ts`; it also
 * runs with BENCH_ONLY=floor, beside the data plane's floor comparison): issue 11's "the
 * all-in-one `relay start` within 0.6× of the floor", throughput at 64 connections in the same run
 * as the floor. The floor is the data plane bench's (packages/dataplane/bench/serve-floor.ts: a
 * bare uWebSockets.js + undici pass-through); both it and `relay start` forward to the same mock
 * upstream in a process of its own. `relay start` runs compiled (`pnpm build`, rebuilt from the
 * sources first so the figures are never a stale build's), as production does, in a fresh data
 * directory (PGlite, chDB), with an OPENAI_COMPATIBLE provider on the mock's base URL: not the
 * MOCK type, whose server runs inside the data plane and would charge the upstream's CPU to relay.
 *
 * The method is floor-comparison.ts's: a warm-up each, then BENCH_RSF_ROUNDS (3) interleaved
 * rounds of BENCH_RSF_RUN_S (5) s wrk runs at BENCH_RSF_CONNECTIONS (64), alternating which side
 * goes first, medians reported. CPU per 1,000 requests is /proc utime+stime over each run: the
 * floor's process; for relay its whole process tree (the control plane, which also ingests the
 * events into chDB, and the data plane child). Any non-2xx or socket error fails the bench. After
 * the runs, it polls the control plane's spend report until it counts every request relay served
 * (events not lost, and how long writing them lagged the load). Writes
 * bench/results/relay-start-floor.{json,md}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type BenchChild } from '../../dataplane/bench/child-process.ts';
import { compiledBenchScript } from '../../dataplane/bench/compiled-script.ts';
import { positiveEnvInt } from '../../dataplane/bench/env-int.ts';
import { BENCH_CHAT_BODY, loadAverageNote, loadedRun, median, round3, type FloorTarget } from '../../dataplane/bench/floor-comparison.ts';
import { pickLoadTool, type LoadResult } from '../../dataplane/bench/load.ts';
import { machineInfo } from '../../dataplane/bench/machine-info.ts';
import { readCpuMs, readThreadCpuMs, threadCpuPer1000 } from '../../dataplane/bench/proc-cpu.ts';
import { readRssMiB } from '../../dataplane/bench/proc-memory.ts';
import { processTree, treeCpuMs, treeRssMiB } from '../../dataplane/bench/proc-tree.ts';
import { buildCompiledRelay, connectToRelayStart, spawnCompiledRelay, type RelayProcess } from '../test/e2e/relay-process.ts';
import { stopOrKill } from '../test/support/multi-plane.ts';
import { createPlaneKey, spendByKey } from '../test/support/scale-out-load.ts';

// BENCH_ONLY selects one benchmark of `pnpm bench`: this one runs in a full run and with BENCH_ONLY=floor.
if (!['', 'floor'].includes(process.env.BENCH_ONLY ?? '')) process.exit(0);

const here = import.meta.dirname;
const ROUNDS = positiveEnvInt('BENCH_RSF_ROUNDS', 3);
const RUN_S = positiveEnvInt('BENCH_RSF_RUN_S', 5);
const CONNECTIONS = positiveEnvInt('BENCH_RSF_CONNECTIONS', 64);
const WARMUP_S = positiveEnvInt('BENCH_RSF_WARMUP_S', 3);
/** Issue 11's target for `relay start` (reported, never asserted). */
const MIN_THROUGHPUT_RATIO = 0.6;
/** How long the events of the load may take to show in the control plane's analytics. */
const EVENTS_DEADLINE_MS = 60_000;
/**
 * BENCH_RSF_WORKERS: `relay start`'s DATAPLANE_WORKERS (unset: its default, one data plane
 * process); the results then go to relay-start-floor-workers-<n>.{json,md}.
 */
const WORKERS = process.env.BENCH_RSF_WORKERS === undefined ? null : positiveEnvInt('BENCH_RSF_WORKERS', 1);
const resultName = `relay-start-floor${WORKERS === null ? '' : `-workers-${WORKERS}`}`;
const command = `cd packages/controlplane && ${WORKERS === null ? '' : `BENCH_RSF_WORKERS=${WORKERS} `}npx tsx bench/relay-start-floor.ts`;
const log = (message: string) => process.stderr.write(`[bench relay-start-floor] ${message}\n`);

type Side = 'floor' | 'relay';

/** One measured run of one side. */
interface RunSample {
  round: number;
  side: Side;
  requests: number;
  requestsPerSec: number;
  latencyMs: LoadResult['latencyMs'];
  cpuMs: number | null;
  cpuMsPer1k: number | null;
  /** relay only: the part of its tree's CPU spent in the `relay start` process itself (control plane, event ingest, chDB) and in the data plane child. */
  relaySplitMs?: { controlplane: number; dataplane: number };
}

const tool = pickLoadTool();
const children: BenchChild<unknown>[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'relay-bench-rsf-'));
let relay: RelayProcess | undefined;
// startChild's hooks end the bench's other children on a signal; relay start goes the same way
// (its data plane child drains and exits when it loses its parent).
process.on('exit', () => relay?.child.kill('SIGKILL'));
try {
  log('building the compiled relay (pnpm build)');
  buildCompiledRelay();
  const mock = await startChild<{ baseUrl: string; pid: number }>(join(here, '../../dataplane/bench/serve-mock-upstream.ts'));
  children.push(mock);
  // Compiled like relay itself (compiled-script.ts), so neither side pays for the TypeScript loader.
  const floor = await startChild<{ url: string; pid: number }>(compiledBenchScript(join(here, '../../dataplane/bench/serve-floor.ts')), { env: { BENCH_MOCK_BASE_URL: mock.info.baseUrl } });
  children.push(floor);

  const startedAt = Date.now();
  relay = spawnCompiledRelay('start', { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0', LOG_LEVEL: 'warn', ...(WORKERS === null ? {} : { DATAPLANE_WORKERS: String(WORKERS) }) });
  const { dataplaneUrl, graphql } = await connectToRelayStart(relay);
  const relayPid = relay.child.pid!;

  const { createProvider: provider } = await graphql<{ createProvider: { id: string } }>('mutation($input: CreateProviderInput!) { createProvider(input: $input) { id } }', {
    input: { name: 'Bench mock upstream', type: 'OPENAI_COMPATIBLE', baseUrl: mock.info.baseUrl },
  });
  await graphql('mutation($input: CreateModelAliasInput!) { createModelAlias(input: $input) { id } }', {
    input: { alias: 'bench', routes: [{ providerId: provider.id, upstreamModel: 'mock-1' }] },
  });
  const key = await createPlaneKey(graphql, 'bench-relay-start-floor');

  const json = { 'content-type': 'application/json' };
  const targets: Record<Side, Omit<FloorTarget, 'pid'>> = {
    floor: { url: `${floor.info.url}/v1/chat/completions`, body: BENCH_CHAT_BODY, headers: json },
    relay: { url: `${dataplaneUrl}/v1/chat/completions`, body: BENCH_CHAT_BODY, headers: { ...json, authorization: `Bearer ${key.secret}` } },
  };
  await waitForOk(targets.relay, 30_000);
  /** Requests relay answered 200 on the bench key (the probe's one so far): the least the control plane's analytics must count. */
  let relayServed = 1;
  await expectOk(targets.floor);
  log(`load tool ${tool.name} ${tool.version}; mock ${mock.info.baseUrl} (pid ${mock.info.pid}); floor ${floor.info.url} (pid ${floor.info.pid}); relay start ${dataplaneUrl} (tree ${processTree(relayPid).join(', ')})`);

  /** RSS of relay's whole tree and of the `relay start` process alone (control plane, PGlite, chDB). */
  const rss = () => ({ tree: treeRssMiB(relayPid), controlplane: readRssMiB(relayPid)?.rssMiB ?? null });
  const idle = await waitForQuiet(relayPid);
  const idleRss = rss();
  log(`relay tree idle: ${idleRss.tree} MiB RSS, ${idleRss.controlplane} MiB of it the relay start process (${idle.quiet ? 'quiet' : 'still busy'} after ${idle.waitedMs} ms)`);

  const loadAtStart = loadavg()[0]!;
  const tree = processTree(relayPid).join(',');
  /** The `relay start` process's CPU by thread over every measured relay run (node = JavaScript; the rest chDB's pools), and those runs' requests. */
  const controlplaneThreads = { before: new Map<string, number>(), after: new Map<string, number>(), requests: 0 };
  const addThreads = (into: Map<string, number>, reading: Map<string, number>) => {
    for (const [name, ms] of reading) into.set(name, (into.get(name) ?? 0) + ms);
  };
  /** One run of `side`; throws on any error, or if relay's process tree changed (a restarted data plane). */
  const measure = async (side: Side, round: number, seconds: number): Promise<RunSample> => {
    const controlplaneBefore = side === 'relay' ? readCpuMs(relayPid) : null;
    const threadsBefore = side === 'relay' && round > 0 ? readThreadCpuMs(relayPid) : null;
    const { result, cpuMs } = await loadedRun(tool, targets[side], CONNECTIONS, seconds, side === 'floor' ? () => readCpuMs(floor.info.pid) : () => treeCpuMs(relayPid));
    const controlplaneAfter = side === 'relay' ? readCpuMs(relayPid) : null;
    if (threadsBefore !== null) {
      addThreads(controlplaneThreads.before, threadsBefore);
      addThreads(controlplaneThreads.after, readThreadCpuMs(relayPid));
      controlplaneThreads.requests += result.requests;
    }
    if (result.non2xx + result.socketErrors > 0) throw new Error(`${side} (round ${round}): ${result.non2xx} non-2xx answers and ${result.socketErrors} socket errors in ${result.requests} requests`);
    if (side === 'relay') {
      relayServed += result.requests;
      if (processTree(relayPid).join(',') !== tree) throw new Error(`relay start's process tree changed from ${tree} to ${processTree(relayPid).join(',')}: its data plane restarted`);
    }
    const sample: RunSample = {
      round,
      side,
      requests: result.requests,
      requestsPerSec: result.requestsPerSec,
      latencyMs: result.latencyMs,
      cpuMs: cpuMs === null ? null : Math.round(cpuMs),
      cpuMsPer1k: cpuMs === null || result.requests === 0 ? null : round3((cpuMs / result.requests) * 1000),
    };
    if (cpuMs !== null && controlplaneBefore !== null && controlplaneAfter !== null) {
      const controlplane = controlplaneAfter - controlplaneBefore;
      sample.relaySplitMs = { controlplane: Math.round(controlplane), dataplane: Math.round(cpuMs - controlplane) };
    }
    return sample;
  };

  log(`warm-up: ${WARMUP_S} s each at ${CONNECTIONS} connections`);
  for (const side of ['floor', 'relay'] as const) await measure(side, 0, WARMUP_S);
  const samples: RunSample[] = [];
  let relayLoadEndedAt = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const order: Side[] = round % 2 === 1 ? ['floor', 'relay'] : ['relay', 'floor'];
    for (const side of order) {
      samples.push(await measure(side, round, RUN_S));
      if (side === 'relay') relayLoadEndedAt = performance.now();
    }
    const [f, r] = (['floor', 'relay'] as const).map((side) => samples.find((s) => s.round === round && s.side === side)!);
    log(`round ${round}/${ROUNDS}: floor ${f!.requestsPerSec} req/s, ${f!.cpuMsPer1k} ms CPU/1k; relay start ${r!.requestsPerSec} req/s, ${r!.cpuMsPer1k} ms CPU/1k (${round3(r!.requestsPerSec / f!.requestsPerSec)}×)`);
  }
  const loadAverage = { start: round3(loadAtStart), end: round3(loadavg()[0]!) };
  const afterLoadRss = rss();

  log(`waiting for the control plane's analytics to count ${relayServed} successful requests on the bench key`);
  const events = await waitForEvents(graphql, key.id, startedAt, relayServed, relayLoadEndedAt);
  log(`events: ${events.counted} counted ${events.caughtUp ? `${events.afterLoadMs} ms after the load stopped` : `(missing ${relayServed - events.counted} after ${EVENTS_DEADLINE_MS} ms)`}`);

  const side = (name: Side) => {
    const runs = samples.filter((s) => s.side === name);
    const cpu = runs.map((s) => s.cpuMsPer1k).filter((v): v is number => v !== null);
    return {
      requestsPerSec: Math.round(median(runs.map((s) => s.requestsPerSec))),
      cpuMsPer1kRequests: cpu.length === 0 ? null : round3(median(cpu)),
      p50Ms: round3(median(runs.map((s) => s.latencyMs.p50))),
      p99Ms: round3(median(runs.map((s) => s.latencyMs.p99))),
    };
  };
  const relaySplits = samples.filter((s) => s.relaySplitMs !== undefined);
  const summary = {
    floor: side('floor'),
    relay: {
      ...side('relay'),
      cpuMsPer1kBySplit: {
        controlplane: round3(median(relaySplits.map((s) => (s.relaySplitMs!.controlplane / s.requests) * 1000))),
        dataplane: round3(median(relaySplits.map((s) => (s.relaySplitMs!.dataplane / s.requests) * 1000))),
      },
      rssMiB: { idle: idleRss, afterLoad: afterLoadRss },
      controlplaneThreadsMsPer1k: threadCpuPer1000(controlplaneThreads.before, controlplaneThreads.after, Math.max(1, controlplaneThreads.requests)),
    },
  };
  const throughputRatio = round3(summary.relay.requestsPerSec / summary.floor.requestsPerSec);
  const cpuRatio = summary.floor.cpuMsPer1kRequests === null || summary.relay.cpuMsPer1kRequests === null ? null : round3(summary.relay.cpuMsPer1kRequests / summary.floor.cpuMsPer1kRequests);
  const machine = machineInfo(`${tool.name} ${tool.version}`);
  const report = {
    command,
    dataplaneWorkers: WORKERS ?? 1,
    machine,
    rounds: ROUNDS,
    runS: RUN_S,
    warmupS: WARMUP_S,
    connections: CONNECTIONS,
    loadAverage,
    target: { minThroughputRatio: MIN_THROUGHPUT_RATIO, met: throughputRatio >= MIN_THROUGHPUT_RATIO },
    throughputRatio,
    cpuRatio,
    summary,
    idle,
    events: { ...events, served: relayServed, deadlineMs: EVENTS_DEADLINE_MS },
    samples,
  };
  const markdown = render(report);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', `${resultName}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(here, 'results', `${resultName}.md`), markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`wrote bench/results/${resultName}.json and bench/results/${resultName}.md`);
} finally {
  await stopOrKill(relay);
  for (const child of children.reverse()) await child.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

async function post(target: Omit<FloorTarget, 'pid'>): Promise<{ status: number; text: string }> {
  const response = await fetch(target.url, { method: 'POST', body: target.body, headers: target.headers });
  return { status: response.status, text: await response.text() };
}

async function expectOk(target: Omit<FloorTarget, 'pid'>): Promise<void> {
  const { status, text } = await post(target);
  if (status !== 200) throw new Error(`sanity check: POST ${target.url} answered ${status}: ${text.slice(0, 300)}`);
}

/** Polls until `target` answers 200 (the key and alias reached the data plane's snapshot): one 200 in all. */
async function waitForOk(target: Omit<FloorTarget, 'pid'>, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const { status, text } = await post(target);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`relay start did not answer 200 for alias bench within ${deadlineMs} ms: last ${status} ${text.slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until relay's tree is idle (under 20 ms of CPU in a 500 ms window: start-up work such as
 * chDB's first merges done), at most 30 s, so the idle RSS is not a start-up peak.
 */
async function waitForQuiet(pid: number): Promise<{ quiet: boolean; waitedMs: number }> {
  const started = performance.now();
  let last = treeCpuMs(pid);
  while (performance.now() - started < 30_000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = treeCpuMs(pid);
    if (now - last < 20) return { quiet: true, waitedMs: Math.round(performance.now() - started) };
    last = now;
  }
  return { quiet: false, waitedMs: Math.round(performance.now() - started) };
}

/**
 * Polls the control plane's spend report (successful requests of the key, as ClickHouse counts
 * them) until it reaches `served`, for at most EVENTS_DEADLINE_MS; `afterLoadMs` is from the end
 * of relay's last run to the first poll that saw them all.
 */
async function waitForEvents(
  graphql: Awaited<ReturnType<typeof connectToRelayStart>>['graphql'],
  keyId: string,
  sinceMs: number,
  served: number,
  loadEndedAt: number,
): Promise<{ counted: number; caughtUp: boolean; afterLoadMs: number }> {
  const deadline = performance.now() + EVENTS_DEADLINE_MS;
  for (;;) {
    const counted = (await spendByKey(graphql, sinceMs)).get(keyId) ?? 0;
    const afterLoadMs = Math.round(performance.now() - loadEndedAt);
    if (counted >= served) return { counted, caughtUp: true, afterLoadMs };
    if (performance.now() > deadline) return { counted, caughtUp: false, afterLoadMs };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function render(r: {
  machine: ReturnType<typeof machineInfo>;
  rounds: number;
  runS: number;
  warmupS: number;
  connections: number;
  loadAverage: { start: number; end: number };
  throughputRatio: number;
  cpuRatio: number | null;
  summary: {
    floor: { requestsPerSec: number; cpuMsPer1kRequests: number | null; p50Ms: number; p99Ms: number };
    relay: { requestsPerSec: number; cpuMsPer1kRequests: number | null; p50Ms: number; p99Ms: number; cpuMsPer1kBySplit: { controlplane: number; dataplane: number }; controlplaneThreadsMsPer1k: Record<string, number>; rssMiB: Record<'idle' | 'afterLoad', { tree: number; controlplane: number | null }> };
  };
  idle: { quiet: boolean; waitedMs: number };
  events: { counted: number; caughtUp: boolean; afterLoadMs: number; served: number; deadlineMs: number };
  samples: RunSample[];
}): string {
  const { floor, relay } = r.summary;
  const m = r.machine;
  const mark = (ok: boolean) => (ok ? 'met' : '**missed**');
  const rounds = Array.from({ length: r.rounds }, (_, i) => i + 1).map((round) => {
    const f = r.samples.find((s) => s.round === round && s.side === 'floor')!;
    const g = r.samples.find((s) => s.round === round && s.side === 'relay')!;
    return `| ${round} | ${round % 2 === 1 ? 'floor' : 'relay start'} | ${f.requestsPerSec} | ${g.requestsPerSec} | ${round3(g.requestsPerSec / f.requestsPerSec)}× | ${f.cpuMsPer1k ?? 'n/a'} | ${g.cpuMsPer1k ?? 'n/a'} | ${f.latencyMs.p50} | ${g.latencyMs.p50} |`;
  });
  const events = r.events.caughtUp
    ? `the control plane's \`spend\` report counted ${r.events.counted} successful requests on the bench key (relay served at least ${r.events.served}: every 200 wrk counted, warm-up and the readiness probe included; requests still in flight when wrk stopped can add a few) ${r.events.afterLoadMs} ms after relay's last run ended (polled every 200 ms; the first poll comes after any floor run that followed). Event writing kept up.`
    : `**the control plane's \`spend\` report counted only ${r.events.counted} of the ${r.events.served} successful requests relay served ${r.events.afterLoadMs} ms after relay's last run ended (deadline ${r.events.deadlineMs} ms): events lagged or were lost.**`;
  return [
    `# \`relay start\`${WORKERS === null ? '' : ` with DATAPLANE_WORKERS=${WORKERS}`} against the floor (issue 11)`,
    '',
    `Command: \`${command}\` (also part of \`pnpm bench\`, and of \`BENCH_ONLY=floor npx -y pnpm@10.34.9 bench\`)`,
    '',
    `${m.date} · ${m.cpuModel} · ${m.cores} cores · Node ${m.node} · ${m.loadTool}${m.gitCommit === null ? '' : ` · commit ${m.gitCommit}`}`,
    '',
    `Median of ${r.rounds} interleaved rounds of ${r.runS} s runs at ${r.connections} connections (after a ${r.warmupS} s warm-up each), alternating which side goes first; the floor (packages/dataplane/bench/serve-floor.ts) and \`relay start\` forward the same chat request to the same mock upstream process. ${loadAverageNote(r.loadAverage)} The machine is shared (2 cores, other work running): single figures are noisy; the ratios, measured in the same rounds, are the steadier result.`,
    '',
    '| | floor | `relay start` | relay ÷ floor | target |',
    '|---|--:|--:|--:|---|',
    `| req/s at ${r.connections} connections | ${floor.requestsPerSec} | ${relay.requestsPerSec} | ${r.throughputRatio}× | ≥ ${MIN_THROUGHPUT_RATIO}×: ${mark(r.throughputRatio >= MIN_THROUGHPUT_RATIO)} |`,
    `| CPU per 1,000 requests (ms, /proc utime+stime; relay: its whole process tree) | ${floor.cpuMsPer1kRequests ?? 'n/a'} | ${relay.cpuMsPer1kRequests ?? 'n/a'} | ${r.cpuRatio ?? 'n/a'}× | |`,
    `| p50 at ${r.connections} connections (ms) | ${floor.p50Ms} | ${relay.p50Ms} | | |`,
    `| p99 at ${r.connections} connections (ms) | ${floor.p99Ms} | ${relay.p99Ms} | | |`,
    `| errors (non-2xx + socket) | 0 | 0 | | 0 (any fails the bench) |`,
    '',
    `\`relay start\`'s CPU per 1,000 requests by process (medians): the \`relay start\` process itself (control plane: event ingest into chDB, snapshots, health reports) ${relay.cpuMsPer1kBySplit.controlplane} ms, its data plane child${WORKERS === null ? '' : `ren (${WORKERS})`} ${relay.cpuMsPer1kBySplit.dataplane} ms. Event ingest lags the load by up to a batch interval, so a little of one run's ingest CPU falls into the next window, and the last run's after it.`,
    '',
    `The \`relay start\` process's CPU per 1,000 requests by thread, over all measured relay runs (node = the JavaScript thread: HTTP, ingest, validation, Prisma and PGlite; the others are chDB's: query pipeline (Unknown, ThreadPool, QueryPipelineEx), merges (MergeMutate), and V8's and libuv's helpers): ${Object.entries(relay.controlplaneThreadsMsPer1k).map(([name, ms]) => `${name} ${ms} ms`).join(', ')}.`,
    '',
    `Memory (RSS of the relay process tree, /proc VmRSS summed): ${relay.rssMiB.idle.tree} MiB idle before the load (${r.idle.quiet ? `tree CPU quiet after ${r.idle.waitedMs} ms` : `not quiet after ${r.idle.waitedMs} ms`}; provider, alias and key created), ${relay.rssMiB.afterLoad.tree} MiB right after the last run. Of these, the \`relay start\` process itself (control plane with PGlite and chDB) holds ${relay.rssMiB.idle.controlplane ?? 'n/a'} and ${relay.rssMiB.afterLoad.controlplane ?? 'n/a'} MiB, the data plane child${WORKERS === null ? '' : 'ren'} the rest.`,
    '',
    `Events: ${events}`,
    '',
    'Per round (req/s, CPU ms per 1,000 requests, p50 ms):',
    '',
    '| round | first | floor req/s | relay req/s | ratio | floor CPU/1k | relay CPU/1k | floor p50 | relay p50 |',
    '|--:|---|--:|--:|--:|--:|--:|--:|--:|',
    ...rounds,
    '',
    '`relay start` is the compiled build (`pnpm build`, run as `node --conditions=relay-dist packages/controlplane/dist/cli/relay.js start`), as production runs it, with LOG_LEVEL=warn in a fresh RELAY_DATA_DIR (PGlite, chDB in the process). Through GraphQL the bench creates an OPENAI_COMPATIBLE provider whose base URL is the mock upstream, alias `bench` routing to it and a key; relay then serves as `relay start` does (auth, routing, metering, the event log, events delivered to the control plane and written to chDB). The key has no rate limits or budgets and the route no price, so no request is charged to the ledger (event-ingest.md measures what ledger debits add). The built-in MOCK provider is not used: its server runs inside the data plane and would charge the upstream\'s work to relay. The floor has none of these features.',
    '',
  ].join('\n');
}
