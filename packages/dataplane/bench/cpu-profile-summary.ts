import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time per function from the `.cpuprofile` files node --cpu-prof wrote into `dir`
 * (BENCH_CPU_PROF=1), top `limit` lines as text: where the data plane's CPU went.
 */
export function summarizeCpuProfiles(dir: string, limit = 30): string {
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      if (node === undefined) return;
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url === '' ? '' : ` ${url.replace(/^file:\/\/.*?\/(node_modules|packages)\//, '$1/')}:${lineNumber + 1}`;
      const name = `${functionName || '(anonymous)'}${where}`;
      const delta = profile.timeDeltas[i] ?? 0;
      selfUs.set(name, (selfUs.get(name) ?? 0) + delta);
      totalUs += delta;
    });
  }
  const top = [...selfUs.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
  return [
    `CPU profile of the data plane: ${(totalUs / 1e6).toFixed(1)} s sampled, top ${limit} by self time`,
    ...top.map(([name, us]) => `${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${name}`),
  ].join('\n');
}
