/**
 * What a data plane knows about one deployment (a provider + upstream model behind an alias),
 * reported to the control plane so admins can see a dead provider instead of quiet fallbacks
 * (issue 9). The data plane's circuit breaker produces these; the control plane merges the
 * reports of every live data plane and serves them over GraphQL and to the console.
 */

/**
 * - `online`: healthy and taking its share of traffic as a primary.
 * - `standby`: healthy but not primary (a fallback that is not being used right now).
 * - `degraded`: answering, but with a recent error rate above the warning threshold, or a
 *   breaker in half-open probing.
 * - `down`: the breaker is open; requests skip it until its ejection time passes.
 */
export type DeploymentState = 'online' | 'standby' | 'degraded' | 'down';

/** The circuit breaker's own state, as in the usual closed → open → half-open cycle. */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface DeploymentHealthReport {
  /** The route (alias) deployment's id in the snapshot. */
  readonly deploymentId: string;
  readonly providerId: string;
  readonly upstreamModel: string;
  readonly state: DeploymentState;
  readonly breaker: BreakerState;
  /** Attempts in the recent window the error rate is computed over. */
  readonly recentAttempts: number;
  readonly recentFailures: number;
  /** recentFailures / recentAttempts in parts per million (integers only: no float drift). */
  readonly errorRatePpm: number;
  readonly consecutiveFailures: number;
  /** Moving average of whole-attempt latency, ms; null before the first answer. */
  readonly latencyAvgMs: number | null;
  /** Moving average of time to first token on streams, ms; null before the first stream. */
  readonly ttftAvgMs: number | null;
  /** The last failure's error code ('' when none). */
  readonly lastErrorCode: string;
  /** Epoch ms when an open breaker lets a probe through again; null unless open. */
  readonly reopensAtMs: number | null;
  /** Epoch ms of the data plane's last observation. */
  readonly observedAtMs: number;
}

/** What a data plane sends: every deployment it has seen, stamped with who it is. */
export interface DeploymentHealthBatch {
  readonly instanceId: string;
  readonly sentAtMs: number;
  readonly deployments: readonly DeploymentHealthReport[];
}

/** Where the data plane posts its batches on the control plane's internal API. */
export const DEPLOYMENT_HEALTH_PATH = '/internal/v1/deployment-health';
