import { Gauge, type Registry } from 'prom-client';
import type { BreakerState } from '@proxystacks/shared/health/deployment-health';
import type { UpstreamResilience } from '../routing/upstream-resilience.ts';

const BREAKER_VALUES: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * Breakers and the retry budget (issue 9), read at scrape time from the process's
 * UpstreamResilience. Labels are deployment and provider ids from the snapshot (bounded).
 */
export function upstreamHealthMetrics(registry: Registry, resilience: () => UpstreamResilience | null): void {
  new Gauge({
    name: 'relay_upstream_breaker_state',
    help: 'Circuit breaker of each deployment: 0 closed, 1 half-open (probing), 2 open (skipped).',
    labelNames: ['deployment_id', 'provider_id'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const r = resilience();
      if (r === null) return;
      for (const d of r.health.report(r.now())) this.set({ deployment_id: d.deploymentId, provider_id: d.providerId }, BREAKER_VALUES[d.breaker]);
    },
  });
  new Gauge({
    name: 'relay_upstream_breaker_trips',
    help: 'Times a deployment breaker opened since start.',
    registers: [registry],
    collect() {
      this.set(resilience()?.health.trips ?? 0);
    },
  });
  new Gauge({
    name: 'relay_upstream_retries_refused',
    help: 'Retries and fallbacks not made because the retry budget was spent, since start (a provider outage held off).',
    registers: [registry],
    collect() {
      this.set(resilience()?.budget.refused ?? 0);
    },
  });
}
