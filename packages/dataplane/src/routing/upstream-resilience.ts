import type { DataplaneConfig } from '../config.ts';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import { DeploymentHealth, type BreakerSettings } from './deployment-health.ts';
import { RetryBudget, type RetryBudgetSettings } from './retry-budget.ts';

/** Per-attempt limits and the retry policy (UPSTREAM_* settings in config.ts). */
export interface AttemptSettings {
  /** Response headers of a JSON answer / first content event of a stream within this. */
  readonly firstTokenTimeoutMs: number;
  /** The whole attempt within this. */
  readonly totalTimeoutMs: number;
  /** Attempts beyond one per deployment (a second go at a deployment already tried). */
  readonly maxRetries: number;
  /** Full-jitter backoff before a repeat: random(0, min(max, base × 2^n)). */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** A 429's `retry-after` up to this is waited for before trying that deployment again; a longer one rules it out. */
  readonly retryAfterMaxMs: number;
  /** Output tokens `lowest_cost` assumes for a request without max_tokens. */
  readonly defaultOutputTokens: number;
}

export const DEFAULT_ATTEMPT_SETTINGS: AttemptSettings = {
  firstTokenTimeoutMs: 120_000,
  totalTimeoutMs: 600_000,
  maxRetries: 0,
  backoffBaseMs: 100,
  backoffMaxMs: 2_000,
  retryAfterMaxMs: 2_000,
  defaultOutputTokens: 4096,
};

/**
 * What makes the data plane resilient to failing upstreams, one per process: the breakers and
 * health figures, the retry budget, the attempt limits, and the clock and randomness (injected
 * so tests decide them).
 */
export interface UpstreamResilience {
  readonly health: DeploymentHealth;
  readonly budget: RetryBudget;
  readonly attempts: AttemptSettings;
  readonly random: () => number;
  readonly now: () => number;
}

export interface ResilienceOptions {
  breaker?: Partial<BreakerSettings>;
  budget?: Partial<RetryBudgetSettings>;
  attempts?: Partial<AttemptSettings>;
  /** Deployments of the current snapshot (for health reports of deployments not tried yet). */
  known?: () => Iterable<CompiledDeployment>;
  random?: () => number;
  now?: () => number;
}

export function createUpstreamResilience(options: ResilienceOptions = {}): UpstreamResilience {
  return {
    health: new DeploymentHealth(options.breaker, options.known),
    budget: new RetryBudget(options.budget),
    attempts: { ...DEFAULT_ATTEMPT_SETTINGS, ...options.attempts },
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
}

/** The data plane's settings (config.ts) as resilience options. */
export function resilienceOptions(config: Pick<DataplaneConfig, 'resilience' | 'quota'>, known: () => Iterable<CompiledDeployment>): ResilienceOptions {
  const r = config.resilience;
  return {
    breaker: {
      consecutiveFailures: r.breakerConsecutiveFailures,
      errorRatePpm: r.breakerErrorRatePpm,
      minWindowAttempts: r.breakerMinAttempts,
      windowMs: r.breakerWindowMs,
      ejectionMs: r.breakerEjectionMs,
      maxEjectionMs: r.breakerMaxEjectionMs,
    },
    budget: { ratio: r.retryBudgetRatio, minPerSecond: r.retryMinPerSecond },
    attempts: {
      firstTokenTimeoutMs: r.firstTokenTimeoutMs,
      totalTimeoutMs: r.totalTimeoutMs,
      maxRetries: r.maxRetries,
      backoffBaseMs: r.backoffBaseMs,
      backoffMaxMs: r.backoffMaxMs,
      retryAfterMaxMs: r.retryAfterMaxMs,
      defaultOutputTokens: config.quota.defaultReserveOutputTokens,
    },
    known,
  };
}
