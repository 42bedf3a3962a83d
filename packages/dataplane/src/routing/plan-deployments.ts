import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import type { RoutingStrategy } from '@proxystacks/shared/routing/routing-strategy';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import { orderDeployments, weightedShuffle } from './order-deployments.ts';

/** What a strategy may look at besides the deployments. */
export interface PlanInputs {
  readonly random: () => number;
  /** Moving-average speed of each deployment (DeploymentHealth.speedOf); null = not measured yet. */
  readonly health: { speedOf(deploymentId: string, streamed: boolean): number | null };
  readonly streamed: boolean;
  /** The request's estimated tokens, for `lowest_cost` (0 for the other strategies). */
  readonly tokens: { readonly promptTokens: number; readonly outputTokens: number };
}

/**
 * The order in which a request tries `deployments` (in priority order, as the snapshot has
 * them) under the alias's strategy (shared/src/routing/routing-strategy.ts). Ties keep the
 * priority order, so every strategy is deterministic given `random` and the measurements.
 * Breakers are applied afterwards, by the attempt loop.
 */
export function planDeployments(strategy: RoutingStrategy, deployments: readonly CompiledDeployment[], inputs: PlanInputs): CompiledDeployment[] {
  if (deployments.length === 1) return [deployments[0]!];
  switch (strategy) {
    case 'weighted':
      return weightedShuffle(deployments, inputs.random);
    case 'least_latency':
      return byScore(deployments, (d) => inputs.health.speedOf(d.id, inputs.streamed) ?? -1);
    case 'lowest_cost': {
      const { promptTokens, outputTokens } = inputs.tokens;
      const usage = { promptTokens, completionTokens: outputTokens, cachedTokens: 0, cacheWriteTokens: 0 };
      return byScore(deployments, (d) => (d.pricing === null ? Infinity : priceRequest(usage, d.pricing)));
    }
    default:
      return orderDeployments({ deployments }, inputs.random);
  }
}

/** Lowest score first; a stable sort, so equal scores keep the priority order. */
function byScore(deployments: readonly CompiledDeployment[], score: (d: CompiledDeployment) => number): CompiledDeployment[] {
  const scored = deployments.map((d) => ({ d, s: score(d) }));
  scored.sort((a, b) => (a.s === b.s ? 0 : a.s - b.s));
  return scored.map((x) => x.d);
}
