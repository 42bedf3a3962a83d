import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type BenchChild } from './child-process.ts';
import { compiledBenchScript } from './compiled-script.ts';
import { runWrk } from './load-wrk.ts';
import { machineInfo } from './machine-info.ts';
import { readCpuMs } from './proc-cpu.ts';
import { positiveEnvInt } from './env-int.ts';

/**
 * Where the data plane's CPU goes per request (issue 11's map for rebuilding the hot path).
 * Profiles the data plane (serve-dataplane.ts, every feature on) and the floor
 * (serve-floor.ts) with `node --cpu-prof` under wrk at BENCH_CONNECTIONS (64) for
 * BENCH_DURATION_S (15) after a warm-up, counts only the samples taken inside the measured
 * window (start-up and shutdown excluded: V8's profile clock and process.hrtime are both
 * CLOCK_MONOTONIC), groups self time by module and divides by the requests served.
 * Writes bench/results/hot-path-profile.md (and .json).
 * Run: `npx tsx packages/dataplane/bench/profile-hot-path.ts` (wrk required).
 */
const here = import.meta.dirname;
const durationS = positiveEnvInt('BENCH_DURATION_S', 15);
const connections = positiveEnvInt('BENCH_CONNECTIONS', 64);

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] }
interface Served { name: string; requests: number; requestsPerSec: number; cpuMsPer1k: number; selfUs: Map<string, number>; sampledUs: number }

const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Benchmark mock:words=12' }] });
const children: BenchChild<unknown>[] = [];
const profileRoot = mkdtempSync(join(tmpdir(), 'relay-hot-path-prof-'));
try {
  const mock = await startChild<{ baseUrl: string }>(join(here, 'serve-mock-upstream.ts'));
  children.push(mock);
  const sides: Served[] = [];
  for (const side of ['gateway', 'floor'] as const) {
    const dir = join(profileRoot, side);
    mkdirSync(dir);
    const script = compiledBenchScript(join(here, side === 'gateway' ? 'serve-dataplane.ts' : 'serve-floor.ts'));
    const child = await startChild<{ url: string; pid: number; key?: string }>(script, {
      env: { BENCH_MOCK_BASE_URL: mock.info.baseUrl },
      nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '200'],
    });
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(child.info.key === undefined ? {} : { authorization: `Bearer ${child.info.key}` }) };
    const load = (seconds: number) => runWrk({ url: `${child.info.url}/v1/chat/completions`, body, headers, connections, durationS: seconds });
    await load(3);
    const cpuBefore = readCpuMs(child.info.pid)!;
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const result = await load(durationS);
    const toUs = Number(process.hrtime.bigint() / 1000n);
    const cpuMs = readCpuMs(child.info.pid)! - cpuBefore;
    await child.stop(30_000);
    if (result.non2xx + result.socketErrors > 0) throw new Error(`${side}: ${result.non2xx} non-2xx, ${result.socketErrors} socket errors`);
    const { selfUs, sampledUs } = selfTimeInWindow(dir, fromUs, toUs);
    sides.push({ name: side, requests: result.requests, requestsPerSec: result.requestsPerSec, cpuMsPer1k: (cpuMs / result.requests) * 1000, selfUs, sampledUs });
    process.stderr.write(`[profile] ${side}: ${result.requestsPerSec} req/s, ${((cpuMs / result.requests) * 1000).toFixed(1)} ms CPU per 1k, ${(sampledUs / 1e6).toFixed(1)} s main-thread samples\n`);
  }
  const markdown = render(sides);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'hot-path-profile.md'), markdown);
  process.stdout.write(`\n${markdown}\n`);
} finally {
  for (const child of children.reverse()) await child.stop();
  rmSync(profileRoot, { recursive: true, force: true });
}

/** Self time per function (`name file:line`) of the samples taken between fromUs and toUs. */
function selfTimeInWindow(dir: string, fromUs: number, toUs: number): { selfUs: Map<string, number>; sampledUs: number } {
  const selfUs = new Map<string, number>();
  let sampledUs = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parentOf = new Map<number, ProfileNode>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      const delta = profile.timeDeltas[i] ?? 0;
      at += delta;
      if (at < fromUs || at > toUs) return;
      const frame = byId.get(id)?.callFrame;
      if (frame === undefined || frame.functionName === '(idle)') return;
      // Native writes carry no file: the fs binding's (the event log's writeSync/writevSync) are
      // told from the sockets' by their caller.
      const nativeFs = frame.url === '' && parentOf.get(id)?.callFrame.url === 'node:fs';
      const where = nativeFs ? ' node:fs' : frame.url === '' ? '' : ` ${frame.url.replace(/^file:\/\/.*?\/(node_modules|packages)\//, '$1/')}:${frame.lineNumber + 1}`;
      const name = `${frame.functionName || '(anonymous)'}${where}`;
      selfUs.set(name, (selfUs.get(name) ?? 0) + delta);
      sampledUs += delta;
    });
  }
  return { selfUs, sampledUs };
}

/** The issue's groups: project code (by module), undici, uWS, GC, zod, JSON, crypto, metrics, events, and the rest. */
function groupOf(name: string): string {
  const file = name.slice(name.indexOf(' ') + 1);
  if (name.startsWith('(garbage collector)')) return 'GC (main thread)';
  if (name.startsWith('(program)')) return '(program): native outside JS (uWS C++, libuv, V8)';
  if (/node_modules\/.*zod\//.test(file)) return 'zod';
  if (/node_modules\/.*undici\//.test(file) || file.startsWith('wasm://')) return 'undici (llhttp is the wasm)';
  if (/uWebSockets|uws/i.test(file)) return 'uWS (JS side)';
  if (/prom-client|dataplane\/(src|dist)\/metrics\//.test(file)) return 'metrics';
  if (/(dataplane|shared)\/(src|dist)\/events\//.test(file)) return 'events';
  if (/pino|sonic-boom/.test(file)) return 'logging';
  if (/^(stringify|parse) *$/.test(name) || /^JSON/.test(name)) return 'JSON';
  if (/^(writeBuffer|writeBuffers|writeString) node:fs$/.test(name)) return 'events';
  if (/^(writev|writeBuffer|writeUtf8String|writeLatin1String) *$/.test(name)) return 'node: socket writes (native, to the upstream)';
  if (/^runMicrotasks *$/.test(name)) return 'promises (microtask queue)';
  if (/abort_controller|event_target/.test(file)) return 'AbortController / AbortSignal';
  if (/crypto/.test(file) || /^(digest|update|createHmac|Hmac|Hash|randomUUID|randomBytes)\b/.test(name)) return 'crypto';
  if (/opentelemetry/.test(file)) return 'tracing (OpenTelemetry)';
  if (file.startsWith('packages/')) return `project: ${projectModule(file)}`;
  if (file.startsWith('node:')) return `node: ${file.replace(/^node:(internal\/)?([^/:]+).*/, '$2')}`;
  if (file.startsWith('node_modules/')) return `other deps: ${file.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')}`;
  return 'V8 builtins / other';
}

/** The issue's coarse categories, for the summary table. */
function categoryOf(group: string): string {
  if (group.startsWith('project: ')) return 'project code (uWS native calls included: V8 charges them to their JS caller)';
  if (group.startsWith('node: ') || group.startsWith('promises') || group.startsWith('AbortController')) return 'Node internals (streams, sockets, timers, AbortController, promises)';
  if (group.startsWith('other deps') || group.startsWith('V8 builtins')) return 'V8 builtins / other dependencies';
  return group;
}

function projectModule(file: string): string {
  // The compiled build (dist/*.js) and the sources (src/*.ts) group alike.
  const m = /^packages\/([^/]+)\/(?:src|dist)\/([^/:]+)/.exec(file);
  return m === null ? file : `${m[1]}/${m[2]!.replace(/\.(ts|js)$/, '')}`;
}

function render(sides: Served[]): string {
  const [gateway, floor] = sides as [Served, Served];
  const per = (s: Served, us: number) => us / s.requests;
  const groups = (s: Served) => {
    const g = new Map<string, number>();
    for (const [name, us] of s.selfUs) g.set(groupOf(name), (g.get(groupOf(name)) ?? 0) + us);
    return g;
  };
  const gg = groups(gateway);
  const fg = groups(floor);
  const names = [...new Set([...gg.keys(), ...fg.keys()])].sort((a, b) => (gg.get(b) ?? 0) - (gg.get(a) ?? 0));
  const f1 = (n: number) => n.toFixed(1);
  const categories = (g: Map<string, number>) => {
    const c = new Map<string, number>();
    for (const [name, us] of g) c.set(categoryOf(name), (c.get(categoryOf(name)) ?? 0) + us);
    return c;
  };
  const gc = categories(gg);
  const fc = categories(fg);
  const categoryNames = [...new Set([...gc.keys(), ...fc.keys()])].sort((a, b) => (gc.get(b) ?? 0) - (gc.get(a) ?? 0));
  const top = [...gateway.selfUs.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40);
  const machine = machineInfo('wrk');
  return [
    '# Hot path profile: where the data plane CPU goes per request',
    '',
    `${machine.date} · ${machine.cpuModel} · ${machine.cores} cores · Node ${machine.node}${machine.gitCommit === null ? '' : ` · commit ${machine.gitCommit}`}`,
    '',
    `\`node --cpu-prof\` (200 µs sampling) of the data plane (bench/serve-dataplane.ts: auth, limits, routing, metering, events to a discarding sink) and of the floor (bench/serve-floor.ts) under wrk, ${connections} connections, ${durationS} s after a 3 s warm-up, chat completion of 12 words from the mock upstream (its own process). Only samples inside the measured window count; self time, main thread only (GC helper threads and the libuv pool are in the /proc CPU but not in the samples). Regenerate: \`npx tsx packages/dataplane/bench/profile-hot-path.ts\`.`,
    '',
    '| | data plane | floor |',
    '|---|--:|--:|',
    `| req/s | ${gateway.requestsPerSec} | ${floor.requestsPerSec} |`,
    `| process CPU per request (/proc, all threads), µs | ${f1(gateway.cpuMsPer1k)} | ${f1(floor.cpuMsPer1k)} |`,
    `| main-thread samples per request, µs | ${f1(per(gateway, gateway.sampledUs))} | ${f1(per(floor, floor.sampledUs))} |`,
    '',
    'How to read it: V8 charges native calls to their JS caller, so the uWS writes of the answer (the socket syscall included) are in `send`/`#finishing` of dataplane/http (the floor has the same in serve-floor.ts); the upstream socket writes are the native `writev`/`writeBuffer`, and the event log\'s writes (the same natives, called by node:fs) are counted with the events. V8 samples on a wall-clock tick, so on a busy machine time the process spent descheduled lands on whatever ran last: compare the two columns and the groups\' shares, not the absolute µs, across machines.',
    '',
    '## Self time per request by category (µs)',
    '',
    '| Category | data plane | % | floor |',
    '|---|--:|--:|--:|',
    ...categoryNames.map((n) => `| ${n} | ${f1(per(gateway, gc.get(n) ?? 0))} | ${f1(((gc.get(n) ?? 0) / gateway.sampledUs) * 100)} | ${f1(per(floor, fc.get(n) ?? 0))} |`),
    '',
    '## Self time per request by group (µs)',
    '',
    '| Group | data plane | % | floor |',
    '|---|--:|--:|--:|',
    ...names.map((n) => `| ${n} | ${f1(per(gateway, gg.get(n) ?? 0))} | ${f1(((gg.get(n) ?? 0) / gateway.sampledUs) * 100)} | ${f1(per(floor, fg.get(n) ?? 0))} |`),
    '',
    '## Top 40 functions of the data plane by self time (µs per request)',
    '',
    '| µs | group | function |',
    '|--:|---|---|',
    ...top.map(([name, us]) => `| ${f1(per(gateway, us))} | ${groupOf(name)} | \`${name}\` |`),
    '',
  ].join('\n');
}
