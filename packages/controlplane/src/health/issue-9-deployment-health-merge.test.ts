import { describe, expect, it } from 'vitest';
import type { DeploymentHealthReport } from '@proxystacks/shared/health/deployment-health';
import { createDeploymentHealthStore } from './deployment-health-store.ts';
import { mergeDeploymentReports } from './merge-deployment-health.ts';
import { healthReport } from '../../test/support/deployment-health-report.ts';

const report = (overrides: Partial<DeploymentHealthReport> = {}) => healthReport('d1', overrides);

describe('merging one deployment across data plane instances (issue 9)', () => {
  it('takes the worst state and breaker; online beats standby among the healthy', () => {
    expect(mergeDeploymentReports([report({ state: 'standby' }), report({ state: 'online' })]).state).toBe('online');
    expect(mergeDeploymentReports([report({ state: 'online' }), report({ state: 'degraded', breaker: 'half_open' })])).toMatchObject({ state: 'degraded', breaker: 'half_open' });
    expect(mergeDeploymentReports([report({ state: 'down', breaker: 'open' }), report({ state: 'degraded', breaker: 'half_open' })])).toMatchObject({ state: 'down', breaker: 'open' });
  });

  it('recomputes the rate from summed counts (not an average of rates) and rounds to whole ppm', () => {
    const merged = mergeDeploymentReports([report({ recentAttempts: 1, recentFailures: 1, errorRatePpm: 1_000_000 }), report({ recentAttempts: 2, recentFailures: 0 })]);
    expect(merged).toMatchObject({ recentAttempts: 3, recentFailures: 1, errorRatePpm: 333_333 });
    expect(mergeDeploymentReports([report(), report()]).errorRatePpm).toBe(0);
  });

  it('weights latency by attempts, falls back to a plain mean without attempts, and skips instances without a figure', () => {
    expect(mergeDeploymentReports([report({ recentAttempts: 1, latencyAvgMs: 1_000 }), report({ recentAttempts: 3, latencyAvgMs: 200 }), report({ recentAttempts: 50 })]).latencyAvgMs).toBe(400);
    expect(mergeDeploymentReports([report({ latencyAvgMs: 100 }), report({ latencyAvgMs: 300 })]).latencyAvgMs).toBe(200);
    expect(mergeDeploymentReports([report(), report()]).ttftAvgMs).toBeNull();
  });

  it('keeps the latest error code, the earliest reopening, the latest observation and the longest streak', () => {
    const merged = mergeDeploymentReports([
      report({ lastErrorCode: 'upstream_error', observedAtMs: 5_000, reopensAtMs: 9_000, consecutiveFailures: 2 }),
      report({ lastErrorCode: 'upstream_timeout', observedAtMs: 6_000, reopensAtMs: 8_000, consecutiveFailures: 5 }),
      report({ lastErrorCode: '', observedAtMs: 7_000 }),
    ]);
    expect(merged).toMatchObject({ lastErrorCode: 'upstream_timeout', reopensAtMs: 8_000, observedAtMs: 7_000, consecutiveFailures: 5, instanceCount: 3 });
  });
});

describe('the deployment health store', () => {
  it('tells subscribers of state changes only, including an instance falling silent', () => {
    let nowMs = 0;
    const store = createDeploymentHealthStore({ intervalMs: 1_000, now: () => nowMs });
    let changes = 0;
    const unsubscribe = store.subscribe(() => void (changes += 1));
    store.accept({ instanceId: 'a', sentAtMs: 0, deployments: [report({ state: 'online' })] });
    expect(changes).toBe(1);
    store.accept({ instanceId: 'a', sentAtMs: 0, deployments: [report({ state: 'online', recentAttempts: 9, latencyAvgMs: 50 })] });
    expect(changes).toBe(1);
    store.accept({ instanceId: 'a', sentAtMs: 0, deployments: [report({ state: 'down' })] });
    expect(changes).toBe(2);
    nowMs = 3_000;
    expect(store.get('d1')?.state).toBe('down');
    nowMs = 3_001;
    expect(store.get('d1')).toBeUndefined();
    expect(changes).toBe(3);
    unsubscribe();
    store.accept({ instanceId: 'b', sentAtMs: 0, deployments: [report()] });
    expect(changes).toBe(3);
  });

  it('refuses a new instance beyond its bound, but keeps taking the known ones', () => {
    const store = createDeploymentHealthStore({ intervalMs: 1_000, maxInstances: 2 });
    expect(store.accept({ instanceId: 'a', sentAtMs: 0, deployments: [] })).toBe(true);
    expect(store.accept({ instanceId: 'b', sentAtMs: 0, deployments: [] })).toBe(true);
    expect(store.accept({ instanceId: 'c', sentAtMs: 0, deployments: [] })).toBe(false);
    expect(store.accept({ instanceId: 'a', sentAtMs: 0, deployments: [report()] })).toBe(true);
    expect(store.instanceCount()).toBe(2);
  });
});
