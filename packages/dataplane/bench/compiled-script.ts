import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

/**
 * Bench servers (the data plane, the floor) run as production runs relay: compiled JavaScript on
 * plain node, not TypeScript under tsx. tsx compiles with esbuild's keepNames, which wraps every
 * function and class in a `__name()` call, so each closure a request makes costs a call and a
 * property definition more; under load that was ~10 % of the data plane's CPU per request (A/B,
 * 6 rounds, 97.1 -> 87.4 us) and ~2 KiB of heap per open stream, against ~3 % for the floor.
 *
 * BENCH_DATAPLANE_BUILD=source runs the TypeScript sources instead (for profiling a change before
 * building it).
 */
export const BENCH_BUILD = benchBuild();

function benchBuild(): 'dist' | 'source' {
  const build = process.env.BENCH_DATAPLANE_BUILD ?? 'dist';
  if (build !== 'dist' && build !== 'source') throw new Error(`BENCH_DATAPLANE_BUILD must be "dist" or "source", got ${JSON.stringify(build)}`);
  return build;
}

const here = import.meta.dirname;
const repoRoot = join(here, '../../..');
let built = false;

/**
 * The bench script `script` (a path under packages/dataplane/bench) ready to run: with the
 * packages built to dist (once per bench process, by `pnpm build`'s compiler) and the script
 * itself transpiled beside them, into packages/dataplane/dist/bench, inside the package so its
 * `@proxystacks/dataplane/…` self-imports resolve; run it with `node --conditions=relay-dist`
 * (startChild does for a `.js` script). The script must import the packages by name, not by a
 * relative path into src. Returns `script` unchanged with BENCH_DATAPLANE_BUILD=source.
 */
export function compiledBenchScript(script: string): string {
  if (BENCH_BUILD === 'source') return script;
  if (!built) {
    execFileSync(process.execPath, ['infra/build/build-dist.mjs'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    built = true;
  }
  const ts = createRequire(join(repoRoot, 'package.json'))('typescript') as typeof import('typescript');
  const { outputText } = ts.transpileModule(readFileSync(script, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, verbatimModuleSyntax: true },
  });
  const target = join(here, '../dist/bench', basename(script).replace(/\.ts$/, '.js'));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, outputText);
  return target;
}

/** Node arguments a bench child needs for `script`: the dist condition for a compiled one. */
export function conditionsFor(script: string): string[] {
  return script.endsWith('.js') ? ['--conditions=relay-dist'] : [];
}
