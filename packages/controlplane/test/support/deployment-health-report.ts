import type { DeploymentHealthReport } from '@proxystacks/shared/health/deployment-health';

/** A healthy, idle report about `deploymentId`, with `overrides` on top: the tests' starting point. */
export function healthReport(deploymentId: string, overrides: Partial<DeploymentHealthReport> = {}): DeploymentHealthReport {
  return {
    deploymentId,
    providerId: 'p1',
    upstreamModel: 'm1',
    state: 'online',
    breaker: 'closed',
    recentAttempts: 0,
    recentFailures: 0,
    errorRatePpm: 0,
    consecutiveFailures: 0,
    latencyAvgMs: null,
    ttftAvgMs: null,
    lastErrorCode: '',
    reopensAtMs: null,
    observedAtMs: 1_000,
    ...overrides,
  };
}
