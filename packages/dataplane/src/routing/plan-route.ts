import { DEFAULT_ROUTING_STRATEGY } from '@proxystacks/shared/routing/routing-strategy';
import type { CompiledDeployment, CompiledRoute } from '../snapshot/compiled-snapshot.ts';
import { planDeployments } from './plan-deployments.ts';
import type { UpstreamResilience } from './upstream-resilience.ts';

/**
 * The attempt order of one request to `route`: its strategy over the key's `deployments`, with
 * this process's measurements and randomness. `estimateTokens` runs only for `lowest_cost`
 * (it may tokenize the prompt), so the other strategies cost nothing extra: they are planned
 * at once, without a promise, and the caller awaits only a promise (every request passes here,
 * and awaiting a value is still a microtask turn).
 */
export function planRoute(
  route: CompiledRoute,
  deployments: readonly CompiledDeployment[],
  resilience: UpstreamResilience,
  streamed: boolean,
  estimateTokens: () => Promise<{ promptTokens: number; outputTokens: number }>,
): CompiledDeployment[] | Promise<CompiledDeployment[]> {
  const strategy = route.strategy ?? DEFAULT_ROUTING_STRATEGY;
  const plan = (tokens: { promptTokens: number; outputTokens: number }) => planDeployments(strategy, deployments, { random: resilience.random, health: resilience.health, streamed, tokens });
  return strategy === 'lowest_cost' ? estimateTokens().then(plan) : plan(NO_TOKENS);
}

const NO_TOKENS = { promptTokens: 0, outputTokens: 0 };
