import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_BUILD, compiledBenchScript, conditionsFor } from './compiled-script.ts';

/**
 * Memory per open stream (issue 11): a data plane with 2,000 concurrent slow streams to one
 * upstream, over plain HTTP/1.1, HTTP/1.1 over TLS and h2 over TLS. Three processes per run:
 * the data plane (measured, with --expose-gc), the slow upstream, and the clients. The data
 * plane's RSS, V8 heap and off-heap memory are read after a full GC when idle (after one warm-up
 * stream) and after every 100 streams that have had their first token.
 *
 *   npx tsx packages/dataplane/bench/streams-memory.ts [streams=2000]
 *
 * The data plane runs the compiled build (this script runs `pnpm build`'s compiler first; `node
 * --conditions=relay-dist`), as production does: the TypeScript loader adds 40-60 MiB to the idle
 * figure and wraps functions (tsx's `__name`) in every open stream. BENCH_DATAPLANE_BUILD=source
 * runs the TypeScript sources.
 *
 * Writes packages/dataplane/bench/results/streams-memory.md (and .json).
 */
const here = dirname(fileURLToPath(import.meta.url));
const STREAMS = Number(process.argv[2] ?? 2000);
const STEP = 100;
const BUILD = BENCH_BUILD;

interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  mallocedMemory: number;
}
interface VariantResult {
  variant: string;
  idle: Memory;
  steps: Array<{ streams: number; memory: Memory }>;
  completed: number;
  failed: number;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Forks a bench child and waits for its first message: a `.ts` script through tsx, a `.js` one
 * (absolute path) with plain node.
 */
async function start<T>(script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<{ child: ChildProcess; first: T }> {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = fork(resolve(here, script), [], { env: { ...process.env, ...env }, execArgv: [...nodeArgs, ...loader], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const first = await next<T>(child);
  return { child, first };
}

/** The child's next message. */
function next<T>(child: ChildProcess): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench child exited (${code}) before answering`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

async function ask<T>(child: ChildProcess, message: unknown): Promise<T> {
  const answer = next<T>(child);
  child.send(message as never);
  return answer;
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

async function runVariant(variant: string, upstream: ChildProcess, upstreamUrl: string, http2: 'auto' | 'off', tls: { key: string; cert: string }): Promise<VariantResult> {
  const dp = await start<{ url: string; key: string }>(dataplaneScript, { BENCH_UPSTREAM_URL: upstreamUrl, BENCH_PROVIDER_HTTP2: http2, BENCH_TLS_CERT: tls.cert }, ['--expose-gc', ...conditionsFor(dataplaneScript)]);
  const clients = await start<{ ready: true }>('streams-memory-clients.ts', { BENCH_URL: dp.first.url, BENCH_KEY: dp.first.key });
  // One stream first, finished, so lazy loads (undici's h2, the SSE relay) are in the idle figure.
  await ask(clients.child, { open: 1 });
  upstream.send('finish');
  await ask(clients.child, 'await');
  const measure = async () => (await ask<{ memory: Memory }>(dp.child, 'measure')).memory;
  const idle = await measure();
  const steps: VariantResult['steps'] = [];
  for (let open = STEP; open <= STREAMS; open += STEP) {
    await ask(clients.child, { open: STEP });
    steps.push({ streams: open, memory: await measure() });
    process.stderr.write(`[${variant}] ${open} streams open: RSS ${mib(steps.at(-1)!.memory.rss)} MiB\n`);
  }
  upstream.send('finish');
  const { completed, failed } = await ask<{ completed: number; failed: number }>(clients.child, 'await');
  await stop(clients.child);
  dp.child.send('stop');
  await new Promise<void>((resolve) => dp.child.once('exit', () => resolve()));
  return { variant, idle, steps, completed: completed - 1, failed };
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const kib = (bytes: number) => (bytes / 1024).toFixed(1);

function report(results: VariantResult[]): string {
  const lines = [
    '# Memory per open stream (issue 11)',
    '',
    `${STREAMS} concurrent slow streams (first token at once, then one token a second) to one upstream, measured in the data plane (${BUILD === 'dist' ? 'the compiled build, as production runs it' : 'TypeScript sources under tsx'}) after a full GC. Command: \`${BUILD === 'dist' ? '' : 'BENCH_DATAPLANE_BUILD=source '}npx tsx packages/dataplane/bench/streams-memory.ts ${STREAMS}\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, this machine shared with other jobs).`,
    '',
    `| upstream | RSS idle | RSS with ${STREAMS} open | per stream: RSS | V8 heap | off-heap (external) | completed |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const last = r.steps.at(-1)!.memory;
    const per = (field: keyof Memory) => kib((last[field] - r.idle[field]) / STREAMS);
    lines.push(`| ${r.variant} | ${mib(r.idle.rss)} MiB | ${mib(last.rss)} MiB | ${per('rss')} KiB | ${per('heapUsed')} KiB | ${per('external')} KiB | ${r.completed}/${STREAMS} |`);
  }
  lines.push('', 'Per 100 streams (KiB per stream over each step of 100: RSS / V8 heap / external):', '');
  for (const r of results) {
    const deltas = r.steps.map((s, i) => {
      const before = i === 0 ? r.idle : r.steps[i - 1]!.memory;
      return `${kib((s.memory.rss - before.rss) / STEP)}/${kib((s.memory.heapUsed - before.heapUsed) / STEP)}/${kib((s.memory.external - before.external) / STEP)}`;
    });
    lines.push(`- ${r.variant}: ${deltas.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

// The data plane child as production runs it: compiled, on plain node (compiled-script.ts).
const dataplaneScript = compiledBenchScript(join(here, 'streams-memory-dataplane.ts'));
const dir = mkdtempSync(join(tmpdir(), 'relay-streams-memory-'));
try {
  const tls = { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem') };
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=relay-bench-upstream', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', tls.key, '-out', tls.cert], { stdio: 'ignore' });
  const upstream = await start<{ http: string; https: string }>('streams-memory-upstream.ts', { BENCH_TLS_KEY: tls.key, BENCH_TLS_CERT: tls.cert });
  const only = process.env.BENCH_VARIANTS?.split(',') ?? null;
  const variants: Array<[string, string, 'auto' | 'off']> = [
    ['HTTP/1.1 (plain http)', upstream.first.http, 'auto'],
    ['HTTP/1.1 over TLS (http2 OFF)', upstream.first.https, 'off'],
    ['h2 over TLS (http2 AUTO)', upstream.first.https, 'auto'],
  ];
  const results: VariantResult[] = [];
  for (const [i, [variant, url, http2]] of variants.entries()) {
    if (only !== null && !only.includes(String(i))) continue;
    results.push(await runVariant(variant, upstream.child, url, http2, tls));
  }
  await stop(upstream.child);
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  const markdown = report(results);
  writeFileSync(join(out, process.env.BENCH_OUT ?? 'streams-memory.md'), markdown);
  writeFileSync(join(out, (process.env.BENCH_OUT ?? 'streams-memory.md').replace(/\.md$/, '.json')), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(markdown);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
