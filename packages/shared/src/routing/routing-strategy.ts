/**
 * How the data plane orders an alias's deployments for each request (issue 9):
 * - `fallback`: by priority, lowest first; within a priority, a weighted random order (today's rule).
 * - `weighted`: one weighted random order over every deployment, priorities ignored.
 * - `least_latency`: fastest first by the data plane's moving average (time to first token for
 *   streams, whole-answer latency for JSON); deployments not measured yet go first, to be measured.
 * - `lowest_cost`: cheapest first for the request's estimated tokens under each deployment's
 *   pricing rule; unpriced deployments last.
 * Whatever the order, a deployment whose circuit breaker is open is skipped.
 */
export const ROUTING_STRATEGIES = ['fallback', 'weighted', 'least_latency', 'lowest_cost'] as const;

export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** What a route without a strategy (older snapshots, new aliases) uses. */
export const DEFAULT_ROUTING_STRATEGY: RoutingStrategy = 'fallback';

/** True when `value` is one of {@link ROUTING_STRATEGIES}. */
export function isRoutingStrategy(value: unknown): value is RoutingStrategy {
  return typeof value === 'string' && (ROUTING_STRATEGIES as readonly string[]).includes(value);
}
