import type { BreakerState, DeploymentHealthReport, DeploymentState } from '@proxystacks/shared/health/deployment-health';

/**
 * One deployment's health as every live data plane instance together sees it: the report's
 * fields, merged (worst state and breaker; summed counts with the rate recomputed from them,
 * never averaged; averages weighted by recent attempts, null when no instance has one; the
 * longest streak; the most recently observed error code; the earliest reopening; the latest
 * observation), and how many live instances reported it.
 */
export interface MergedDeploymentHealth extends DeploymentHealthReport {
  readonly instanceCount: number;
}

/**
 * Health severity, worst last. Between the two healthy states `online` wins: a deployment that
 * is primary on any instance is taking traffic, whatever the others use it for.
 */
const STATE_RANK: Record<DeploymentState, number> = { standby: 0, online: 1, degraded: 2, down: 3 };
const BREAKER_RANK: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Merges the reports that live instances sent for one deployment (at least one). */
export function mergeDeploymentReports(reports: readonly DeploymentHealthReport[]): MergedDeploymentHealth {
  const first = reports[0];
  if (first === undefined) throw new Error('mergeDeploymentReports needs at least one report');
  let state = first.state;
  let breaker = first.breaker;
  let attempts = 0;
  let failures = 0;
  let consecutive = 0;
  let reopensAtMs: number | null = null;
  let observedAtMs = 0;
  let lastError: { code: string; atMs: number } = { code: '', atMs: -1 };
  for (const r of reports) {
    if (STATE_RANK[r.state] > STATE_RANK[state]) state = r.state;
    if (BREAKER_RANK[r.breaker] > BREAKER_RANK[breaker]) breaker = r.breaker;
    attempts += r.recentAttempts;
    failures += r.recentFailures;
    consecutive = Math.max(consecutive, r.consecutiveFailures);
    if (r.reopensAtMs !== null) reopensAtMs = reopensAtMs === null ? r.reopensAtMs : Math.min(reopensAtMs, r.reopensAtMs);
    observedAtMs = Math.max(observedAtMs, r.observedAtMs);
    if (r.lastErrorCode !== '' && r.observedAtMs > lastError.atMs) lastError = { code: r.lastErrorCode, atMs: r.observedAtMs };
  }
  return {
    deploymentId: first.deploymentId,
    providerId: first.providerId,
    upstreamModel: first.upstreamModel,
    state,
    breaker,
    recentAttempts: attempts,
    recentFailures: failures,
    errorRatePpm: attempts === 0 ? 0 : Math.round((failures * 1_000_000) / attempts),
    consecutiveFailures: consecutive,
    latencyAvgMs: weightedAverage(reports, (r) => r.latencyAvgMs),
    ttftAvgMs: weightedAverage(reports, (r) => r.ttftAvgMs),
    lastErrorCode: lastError.code,
    reopensAtMs,
    observedAtMs,
    instanceCount: reports.length,
  };
}

/**
 * The instances' averages weighted by their recent attempts, so a quiet instance's few slow
 * answers do not count as much as a busy one's many; equal weights when none has recent attempts.
 */
function weightedAverage(reports: readonly DeploymentHealthReport[], value: (r: DeploymentHealthReport) => number | null): number | null {
  let sum = 0;
  let weight = 0;
  let plainSum = 0;
  let count = 0;
  for (const r of reports) {
    const v = value(r);
    if (v === null) continue;
    sum += v * r.recentAttempts;
    weight += r.recentAttempts;
    plainSum += v;
    count += 1;
  }
  if (count === 0) return null;
  return weight > 0 ? sum / weight : plainSum / count;
}
