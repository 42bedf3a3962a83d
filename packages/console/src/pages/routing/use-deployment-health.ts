import { createQuery, createSubscription } from '@urql/solid';
import { createMemo, onCleanup } from 'solid-js';
import { DeploymentHealthQuery, DeploymentHealthSubscription, type DeploymentHealthRow } from './deployment-health.graphql.ts';

/**
 * Error rates and latencies move without a state change (which is all the subscription
 * announces), so the figures are also refreshed this often.
 */
const FIGURES_REFRESH_MS = 15_000;

/**
 * Live deployment health for the routing page: the query for the first answer and the
 * figures, the `deploymentHealthChanged` subscription (SSE) for state changes as they happen.
 * Returns a lookup by deployment (route) id.
 *
 * The two answers travel on different connections, so a query answer can arrive after a newer
 * event: a query answer counts only when the query was sent after the last event arrived (it
 * then reflects at least that state); otherwise the event's list stands until the next one.
 */
export function useDeploymentHealth(): (deploymentId: string) => DeploymentHealthRow | undefined {
  let querySentAt = performance.now();
  let lastEventAt = Number.NEGATIVE_INFINITY;
  const [query, refetch] = createQuery({ query: DeploymentHealthQuery, requestPolicy: 'cache-and-network' });
  const [subscription] = createSubscription({ query: DeploymentHealthSubscription });
  const timer = setInterval(() => {
    querySentAt = performance.now();
    refetch({ requestPolicy: 'network-only' });
  }, FIGURES_REFRESH_MS);
  onCleanup(() => clearInterval(timer));
  let lastQuery: unknown = undefined;
  let lastEvent: unknown = undefined;
  let latest: DeploymentHealthRow[] = [];
  const byId = createMemo(() => {
    const fromQuery = query.data?.deploymentHealth;
    const fromEvent = subscription.data?.deploymentHealthChanged;
    if (fromEvent !== undefined && fromEvent !== lastEvent) {
      latest = fromEvent;
      lastEventAt = performance.now();
    }
    if (fromQuery !== undefined && fromQuery !== lastQuery && querySentAt > lastEventAt) latest = fromQuery;
    lastQuery = fromQuery;
    lastEvent = fromEvent;
    return new Map(latest.map((row) => [row.deploymentId, row]));
  });
  return (deploymentId) => byId().get(deploymentId);
}
