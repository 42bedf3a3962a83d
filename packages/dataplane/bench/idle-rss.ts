import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineInfo } from './machine-info.ts';
import { treeRssMiB } from './proc-tree.ts';

/**
 * Idle resident memory of `relay dataplane` (issue 11: target < 100 MB), compiled
 * (`pnpm build`, `node --conditions=relay-dist …/dist/cli/relay.js`) against the TypeScript
 * loader (`node --import tsx …/src/cli/relay.ts`, and the `tsx` CLI `pnpm relay` uses, which adds
 * a process of its own). Each runs with DATAPLANE_WORKERS=1 and no control plane behind
 * CONTROLPLANE_URL (it starts without a snapshot), settles BENCH_IDLE_SETTLE_MS (5000) after it
 * announces itself, and the RSS of its whole process tree is summed. BENCH_IDLE_RUNS (3) runs
 * each, interleaved. Writes bench/results/idle-rss.{json,md}.
 */
const repoRoot = join(import.meta.dirname, '../../..');
const settleMs = Number(process.env.BENCH_IDLE_SETTLE_MS ?? 5000);
const runs = Number(process.env.BENCH_IDLE_RUNS ?? 3);

const VARIANTS = {
  compiled: [process.execPath, '--conditions=relay-dist', 'packages/controlplane/dist/cli/relay.js', 'dataplane'],
  'node --import tsx': [process.execPath, '--import', 'tsx', 'packages/controlplane/src/cli/relay.ts', 'dataplane'],
  'tsx CLI (pnpm relay)': [join(repoRoot, 'node_modules/.bin/tsx'), 'packages/controlplane/src/cli/relay.ts', 'dataplane'],
} as const;

async function measure(command: readonly string[]): Promise<{ readyMs: number; rssMiB: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-idle-rss-'));
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'warn',
      DATAPLANE_WORKERS: '1',
      DATAPLANE_PORT: '0',
      RELAY_DATA_DIR: dataDir,
      CONTROLPLANE_URL: 'http://127.0.0.1:9',
      RELAY_INTERNAL_TOKEN: randomBytes(24).toString('hex'),
      RELAY_KEY_SECRET: randomBytes(24).toString('hex'),
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Data plane: ')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`${command.join(' ')} exited (${code}) before it listened`)));
  });
  const readyMs = Math.round(performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const rssMiB = treeRssMiB(child.pid!);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
  return { readyMs, rssMiB };
}

if (!existsSync(join(repoRoot, 'packages/controlplane/dist/cli/relay.js'))) execFileSync(process.execPath, ['infra/build/build-dist.mjs'], { cwd: repoRoot, stdio: 'inherit' });
const results: Record<string, Array<{ readyMs: number; rssMiB: number }>> = {};
for (let run = 0; run < runs; run++) {
  for (const [name, command] of Object.entries(VARIANTS)) {
    (results[name] ??= []).push(await measure(command));
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const summary = Object.entries(results).map(([name, samples]) => ({
  name,
  medianRssMiB: median(samples.map((s) => s.rssMiB)),
  medianReadyMs: median(samples.map((s) => s.readyMs)),
  samples,
}));
const resultsDir = join(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });
const report = { at: new Date().toISOString(), machine: machineInfo('none'), settleMs, targetRssMiB: 100, summary };
writeFileSync(join(resultsDir, 'idle-rss.json'), `${JSON.stringify(report, null, 2)}\n`);
const rows = summary.map((s) => `| ${s.name} | ${s.medianRssMiB} | ${s.medianReadyMs} | ${s.samples.map((x) => x.rssMiB).join(', ')} |`);
const md = `# Idle RSS of \`relay dataplane\` (issue 11, target < 100 MB)

${report.at}; process tree RSS ${settleMs} ms after it listens, DATAPLANE_WORKERS=1, ${runs} interleaved runs each.
Command: \`npx tsx packages/dataplane/bench/idle-rss.ts\` (builds dist first if missing).

| variant | median RSS (MiB) | median start to listening (ms) | RSS per run (MiB) |
| --- | ---: | ---: | --- |
${rows.join('\n')}
`;
writeFileSync(join(resultsDir, 'idle-rss.md'), md);
process.stdout.write(md);
