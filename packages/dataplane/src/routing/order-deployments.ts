import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';

/**
 * The order to try a route's deployments in: by priority, lowest first; within one priority,
 * a weighted random order (weight 0 = only as a last resort in its group), so traffic splits by
 * weight and a fallback goes to a sibling before the next priority.
 */
export function orderDeployments(route: { readonly deployments: readonly CompiledDeployment[] }, random: () => number = Math.random): CompiledDeployment[] {
  const deployments = route.deployments;
  if (deployments.length === 1) return [deployments[0]!];
  const ordered: CompiledDeployment[] = [];
  let i = 0;
  while (i < deployments.length) {
    let j = i;
    while (j < deployments.length && deployments[j]!.priority === deployments[i]!.priority) j++;
    ordered.push(...weightedShuffle(deployments.slice(i, j), random));
    i = j;
  }
  return ordered;
}

/** A weighted random order of `group` (weight 0 = last); `group` is not changed. */
export function weightedShuffle(group: readonly CompiledDeployment[], random: () => number): CompiledDeployment[] {
  const pool = [...group];
  const out: CompiledDeployment[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, d) => sum + d.weight, 0);
    let index = 0;
    if (total > 0) {
      let pick = random() * total;
      index = pool.findIndex((d) => (pick -= d.weight) < 0);
      if (index === -1) index = pool.length - 1;
    }
    out.push(pool.splice(index, 1)[0]!);
  }
  return out;
}
