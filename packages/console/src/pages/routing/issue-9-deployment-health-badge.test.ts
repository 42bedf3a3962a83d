import { describe, expect, it } from 'vitest';
import { describeDeploymentHealth } from './deployment-health-badge.ts';
import type { DeploymentHealthRow } from './deployment-health.graphql.ts';

const ROW: DeploymentHealthRow = {
  deploymentId: 'd1',
  state: 'DOWN',
  errorRatePercent: 37.5,
  recentAttempts: 8,
  latencyAvgMs: 1234.4,
  ttftAvgMs: null,
  lastErrorCode: 'upstream_timeout',
  reopensAt: '2026-03-01T10:00:30.000Z',
  observedAt: '2026-03-01T10:00:00.000Z',
  instanceCount: 2,
};

describe('deployment health badge (issue 9)', () => {
  it('a deployment without a report is Unknown, never Online', () => {
    expect(describeDeploymentHealth(undefined)).toMatchObject({ tone: 'unknown', label: 'Unknown', figures: '' });
    expect(describeDeploymentHealth({ ...ROW, state: null }).label).toBe('Unknown');
  });

  it('says the state in words, with error rate and latency, and the last error and reopening in the tooltip', () => {
    const badge = describeDeploymentHealth(ROW);
    expect(badge).toMatchObject({ tone: 'down', label: 'Down', figures: '37.5% errors · 1,234 ms' });
    expect(badge.tooltip).toContain('Last error: upstream_timeout.');
    expect(badge.tooltip).toContain('Retried after');
    expect(badge.tooltip).toContain('Reported by 2 data planes');
  });

  it('shows no error rate without attempts, and every state its own word', () => {
    expect(describeDeploymentHealth({ ...ROW, state: 'STANDBY', recentAttempts: 0, errorRatePercent: 0, latencyAvgMs: null }).figures).toBe('');
    expect(['ONLINE', 'STANDBY', 'DEGRADED', 'DOWN'].map((state) => describeDeploymentHealth({ ...ROW, state: state as never }).label)).toEqual(['Online', 'Standby', 'Degraded', 'Down']);
  });
});
