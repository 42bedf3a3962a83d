import { DEFAULT_ROUTING_STRATEGY } from '@proxystacks/shared/routing/routing-strategy';
import type { CompiledDeployment, CompiledRoute } from '../snapshot/compiled-snapshot.ts';
import { planDeployments } from './plan-deployments.ts';
import type { UpstreamResilience } from './upstream-resilience.ts';

/**
 * The attempt order of one request to `route`: its strategy over the key's `deployments`, with
 * this process's measurements and randomness. `estimateTokens` runs only for `lowest_cost`
 * (it may tokenize the prompt), so the other strategies cost nothing extra.
 */
export async function planRoute(
  route: CompiledRoute,
  deployments: readonly CompiledDeployment[],
  resilience: UpstreamResilience,
  streamed: boolean,
  estimateTokens: () => Promise<{ promptTokens: number; outputTokens: number }>,
): Promise<CompiledDeployment[]> {
  const strategy = route.strategy ?? DEFAULT_ROUTING_STRATEGY;
  const tokens = strategy === 'lowest_cost' ? await estimateTokens() : { promptTokens: 0, outputTokens: 0 };
  return planDeployments(strategy, deployments, { random: resilience.random, health: resilience.health, streamed, tokens });
}
