import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from './load.ts';

/**
 * Runs wrk with a Lua script that sets the POST body and headers and, in `done`, prints the
 * summary and latency percentiles (µs) as one JSON line we parse. One wrk thread per two
 * cores (at least one) leaves CPU for the processes under test.
 */
export async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-'));
  const script = join(dir, 'post.lua');
  writeFileSync(script, luaScript(spec));
  const threads = Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)));
  try {
    const args = ['-t', String(threads), '-c', String(spec.connections), '-d', `${spec.durationS}s`, '--timeout', '10s', '-s', script, spec.url];
    const output = await run('wrk', args);
    const line = output.split('\n').find((l) => l.startsWith('WRK_JSON '));
    if (line === undefined) throw new Error(`wrk printed no summary:\n${output}`);
    const s = JSON.parse(line.slice('WRK_JSON '.length)) as WrkSummary;
    const seconds = s.duration_us / 1e6;
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      tool: 'wrk',
      requests: s.requests,
      requestsPerSec: Math.round(s.requests / seconds),
      latencyMs: { p50: ms(s.p50), p90: ms(s.p90), p99: ms(s.p99), max: ms(s.max) },
      non2xx: s.status,
      socketErrors: s.connect + s.read + s.write + s.timeout,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface WrkSummary {
  requests: number;
  duration_us: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function luaScript(spec: LoadSpec): string {
  // JSON string literals are valid Lua string literals for ASCII text.
  const headers = Object.entries(spec.headers)
    .map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
    .join('\n');
  return `wrk.method = "POST"
wrk.body = ${JSON.stringify(spec.body)}
${headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}:\n${out}`))));
  });
}
