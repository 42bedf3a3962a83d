import { formatDateTime } from '../../lib/format-date.ts';
import { formatLatencyMs } from '../../lib/format-number.ts';
import type { DeploymentHealthRow, DeploymentState } from './deployment-health.graphql.ts';

/** What a health badge says: a word (the meaning), a tone (colour only helps), figures and a tooltip. */
export interface DeploymentHealthBadge {
  /** `online`, `standby`, `degraded`, `down` or `unknown`: the badge's CSS modifier. */
  tone: Lowercase<DeploymentState> | 'unknown';
  label: string;
  /** Error rate and latency, e.g. "12.5% errors · 340 ms"; '' when unknown. */
  figures: string;
  /** Last error, reopening time and how many data planes report it. */
  tooltip: string;
}

const LABELS: Record<DeploymentState, string> = { ONLINE: 'Online', STANDBY: 'Standby', DEGRADED: 'Degraded', DOWN: 'Down' };

const percentFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/**
 * Describes a deployment's health for its badge. No report is "Unknown", never "Online": a
 * deployment is shown healthy only on a data plane's evidence.
 * @example describeDeploymentHealth(undefined).label === 'Unknown'
 */
export function describeDeploymentHealth(row: DeploymentHealthRow | undefined): DeploymentHealthBadge {
  if (row === undefined || row.state === null) {
    return { tone: 'unknown', label: 'Unknown', figures: '', tooltip: 'No data plane has reported this deployment recently.' };
  }
  const figures = row.recentAttempts === 0 || row.errorRatePercent === null ? [] : [`${percentFormat.format(row.errorRatePercent)}% errors`];
  if (row.latencyAvgMs !== null) figures.push(formatLatencyMs(row.latencyAvgMs));
  const tooltip = [
    row.lastErrorCode === null ? 'No recent error.' : `Last error: ${row.lastErrorCode}.`,
    ...(row.reopensAt === null ? [] : [`Retried after ${formatDateTime(row.reopensAt)}.`]),
    ...(row.ttftAvgMs === null ? [] : [`Time to first token: ${formatLatencyMs(row.ttftAvgMs)}.`]),
    `Reported by ${row.instanceCount} data plane${row.instanceCount === 1 ? '' : 's'}${row.observedAt === null ? '' : `, last at ${formatDateTime(row.observedAt)}`}.`,
  ].join(' ');
  return { tone: row.state.toLowerCase() as Lowercase<DeploymentState>, label: LABELS[row.state], figures: figures.join(' · '), tooltip };
}
