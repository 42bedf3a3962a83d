import { z } from 'zod';
import type { DeploymentHealthBatch } from './deployment-health.ts';

/** Most deployments one batch may carry: far above any real routing table, low enough to bound memory per instance. */
export const MAX_HEALTH_DEPLOYMENTS = 10_000;

/** Largest batch body the control plane reads (10 000 reports of ~400 bytes, with room). */
export const MAX_HEALTH_BATCH_BYTES = 8 * 1024 * 1024;

const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const epochMs = z.int().min(0).max(8_640_000_000_000_000);
const averageMs = z.number().finite().min(0).max(86_400_000).nullable();

const reportSchema = z
  .strictObject({
    deploymentId: z.string().min(1).max(200),
    providerId: z.string().min(1).max(200),
    upstreamModel: z.string().min(1).max(500),
    state: z.enum(['online', 'standby', 'degraded', 'down']),
    breaker: z.enum(['closed', 'open', 'half_open']),
    recentAttempts: count,
    recentFailures: count,
    errorRatePpm: z.int().min(0).max(1_000_000),
    consecutiveFailures: count,
    latencyAvgMs: averageMs,
    ttftAvgMs: averageMs,
    lastErrorCode: z.string().max(100),
    reopensAtMs: epochMs.nullable(),
    observedAtMs: epochMs,
  })
  .refine((r) => r.recentFailures <= r.recentAttempts, { message: 'recentFailures must not exceed recentAttempts', path: ['recentFailures'] });

/**
 * Validates a {@link DeploymentHealthBatch} as the control plane receives it: every field
 * typed and bounded, unknown fields refused (a typo in a sender is caught, not ignored).
 */
export const deploymentHealthBatchSchema: z.ZodType<DeploymentHealthBatch> = z.strictObject({
  instanceId: z.string().min(1).max(200),
  sentAtMs: epochMs,
  deployments: z.array(reportSchema).max(MAX_HEALTH_DEPLOYMENTS),
});
