import { describe, expect, it } from 'vitest';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import { DeploymentHealth } from './deployment-health.ts';
import { RetryBudget } from './retry-budget.ts';

const provider = { id: 'p', name: 'p', type: 'mock' as const, baseUrl: null, credential: null, environments: [], apiVersion: null, extraHeaders: null, http2: 'auto' as const };
const dep = (id: string): CompiledDeployment => ({ id, provider, upstreamModel: 'm', priority: 0, weight: 1, pricing: null, environment: '' });
const settings = { consecutiveFailures: 3, errorRatePpm: 500_000, minWindowAttempts: 10, windowMs: 10_000, ejectionMs: 1_000, maxEjectionMs: 4_000, degradedErrorRatePpm: 100_000 };

describe('DeploymentHealth (circuit breaker)', () => {
  it('trips on consecutive failures, skips while open, lets one probe through when the ejection is over, and closes on its success', () => {
    const a = dep('a');
    const health = new DeploymentHealth(settings);
    for (let i = 0; i < 2; i++) health.failed(a, 100, 'upstream_error');
    expect(health.admit(a, 100)).toBe('pass');
    health.failed(a, 100, 'upstream_error');
    expect(health.breakerOf('a')).toBe('open');
    expect(health.admit(a, 1_099)).toBe('skip');
    expect(health.reopensAtMs([a])).toBe(1_100);
    expect(health.admit(a, 1_100)).toBe('probe');
    expect(health.admit(a, 1_101)).toBe('skip'); // one probe at a time
    health.succeeded(a, 1_150, 50);
    expect(health.breakerOf('a')).toBe('closed');
    expect(health.admit(a, 1_151)).toBe('pass');
  });

  it('doubles the ejection on each failed probe, up to the cap', () => {
    const a = dep('a');
    const health = new DeploymentHealth(settings);
    for (let i = 0; i < 3; i++) health.failed(a, 0, 'upstream_timeout');
    let now = 0;
    const ejections: number[] = [];
    for (let trip = 0; trip < 4; trip++) {
      const reopens = health.reopensAtMs([a]);
      ejections.push(reopens - now);
      now = reopens;
      expect(health.admit(a, now)).toBe('probe');
      health.failed(a, now, 'upstream_timeout');
    }
    expect(ejections).toEqual([1_000, 2_000, 4_000, 4_000]);
    expect(health.trips).toBe(5);
  });

  it('trips on the error rate over the window once it saw enough attempts, not on a few failures of little traffic', () => {
    const a = dep('a');
    const health = new DeploymentHealth(settings);
    for (let i = 0; i < 4; i++) {
      health.failed(a, i, 'upstream_error');
      health.succeeded(a, i, 10);
    }
    expect(health.breakerOf('a')).toBe('closed'); // 50 % of 8 < minWindowAttempts
    health.failed(a, 9, 'upstream_error');
    health.succeeded(a, 9, 10);
    expect(health.breakerOf('a')).toBe('closed');
    // 6 of 11 failed.
    health.failed(a, 10, 'upstream_error');
    expect(health.breakerOf('a')).toBe('open');
  });

  it('forgets failures older than the window', () => {
    const a = dep('a');
    const health = new DeploymentHealth(settings);
    for (let i = 0; i < 9; i++) {
      health.failed(a, 0, 'upstream_error');
      health.succeeded(a, 0, 1);
    }
    expect(health.report(0)[0]).toMatchObject({ recentAttempts: 18, recentFailures: 9 });
    expect(health.report(20_000)).toEqual([]); // quiet and closed, not in the snapshot: dropped
  });

  it('a probe that ends without a verdict (client gone) frees the slot for the next one', () => {
    const a = dep('a');
    const health = new DeploymentHealth(settings);
    for (let i = 0; i < 3; i++) health.failed(a, 0, 'upstream_error');
    expect(health.admit(a, 1_000)).toBe('probe');
    health.released(a);
    expect(health.admit(a, 1_001)).toBe('probe');
  });

  it('reports each deployment of the snapshot: online, standby, degraded, down, with rates in ppm and moving averages', () => {
    const [on, idle, shaky, dead] = ['on', 'idle', 'shaky', 'dead'].map(dep) as [CompiledDeployment, CompiledDeployment, CompiledDeployment, CompiledDeployment];
    const health = new DeploymentHealth(settings, () => [on, idle, shaky, dead]);
    health.succeeded(on, 10, 100, 40);
    health.succeeded(on, 20, 200, 60);
    for (let i = 0; i < 4; i++) health.succeeded(shaky, 10, 10);
    health.failed(shaky, 10, 'upstream_rate_limited');
    for (let i = 0; i < 3; i++) health.failed(dead, 30, 'upstream_error');
    const byId = Object.fromEntries(health.report(50).map((r) => [r.deploymentId, r]));
    expect(byId.on).toMatchObject({ state: 'online', breaker: 'closed', recentAttempts: 2, recentFailures: 0, errorRatePpm: 0, latencyAvgMs: 120, ttftAvgMs: 44, lastErrorCode: '', reopensAtMs: null, observedAtMs: 20 });
    expect(byId.idle).toMatchObject({ state: 'standby', breaker: 'closed', recentAttempts: 0, latencyAvgMs: null, ttftAvgMs: null });
    expect(byId.shaky).toMatchObject({ state: 'degraded', breaker: 'closed', errorRatePpm: 200_000, lastErrorCode: 'upstream_rate_limited', consecutiveFailures: 1 });
    expect(byId.dead).toMatchObject({ state: 'down', breaker: 'open', reopensAtMs: 1_030, lastErrorCode: 'upstream_error', consecutiveFailures: 3 });
    expect(health.report(1_030).find((r) => r.deploymentId === 'dead')).toMatchObject({ state: 'degraded', breaker: 'half_open', reopensAtMs: null });
  });
});

describe('RetryBudget', () => {
  it('allows about 20 % extra attempts plus the per-second minimum, however many retries are asked for', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 2, maxBalance: 100 });
    let allowed = 0;
    for (let i = 0; i < 1_000; i++) {
      budget.deposit();
      if (budget.tryWithdraw(0)) allowed++; // every request wants a retry, all in the same instant
    }
    expect(allowed).toBe(2 + 200);
    expect(budget.refused).toBe(798);
  });

  it('refills the per-second minimum with time, so a quiet gateway can still retry', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 2, maxBalance: 100 });
    expect([budget.tryWithdraw(0), budget.tryWithdraw(0), budget.tryWithdraw(0)]).toEqual([true, true, false]);
    expect(budget.tryWithdraw(499)).toBe(false);
    expect(budget.tryWithdraw(1_000)).toBe(true);
  });

  it('banks at most maxBalance tokens', () => {
    const budget = new RetryBudget({ ratio: 1, minPerSecond: 0, maxBalance: 3 });
    for (let i = 0; i < 50; i++) budget.deposit();
    let allowed = 0;
    while (budget.tryWithdraw(0)) allowed++;
    expect(allowed).toBe(3);
  });
});
