import { spawnSync } from 'node:child_process';
import { runAutocannon } from './load-autocannon.ts';
import { runWrk } from './load-wrk.ts';

/** One closed-loop load run: `connections` clients each sending the same POST back to back. */
export interface LoadSpec {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
}

export interface LoadResult {
  tool: string;
  requests: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Responses whose status was not 2xx/3xx. */
  non2xx: number;
  /** Connect/read/write errors and timeouts. */
  socketErrors: number;
}

export interface LoadTool {
  name: string;
  version: string;
  run(spec: LoadSpec): Promise<LoadResult>;
}

/** `wrk` when it is installed (µs-precision histogram, C load loop), else autocannon (npm). */
export function pickLoadTool(): LoadTool {
  const forced = process.env.BENCH_TOOL;
  const wrk = forced === 'autocannon' ? null : spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (wrk !== null && wrk.error === undefined) {
    const version = /wrk\s+(\S+)/.exec(`${wrk.stdout}${wrk.stderr}`)?.[1] ?? 'unknown';
    return { name: 'wrk', version, run: runWrk };
  }
  if (forced === 'wrk') throw new Error('BENCH_TOOL=wrk but wrk is not installed (apt-get install -y wrk)');
  return { name: 'autocannon', version: autocannonVersion(), run: runAutocannon };
}

function autocannonVersion(): string {
  try {
    return (JSON.parse(spawnSync(process.execPath, ['-p', 'JSON.stringify(require("autocannon/package.json"))'], { encoding: 'utf8', cwd: import.meta.dirname }).stdout) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
