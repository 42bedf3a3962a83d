import { z } from 'zod';

/**
 * The quota lease protocol between data planes and the control plane (issue 8), in the manner
 * of Envoy's rate-limit quota service: the control plane owns every admission counter (a
 * budget's window, a funding account's balance, a rate limit's minute, a concurrency limit)
 * and hands each data plane instance a share of its capacity; the data plane admits requests
 * against its shares without a round trip, reports what it used, and asks for more before it
 * runs out. All figures are cumulative per (counter, window, instance), so a report that is
 * retried or answered twice changes nothing: the protocol is idempotent.
 *
 * POST /internal/v1/quota (internal token), body {@link QuotaLeaseRequest}, answer {@link QuotaLeaseResponse}.
 */
export const INTERNAL_QUOTA_PATH = '/internal/v1/quota';

/**
 * Counter keys, one per thing admission counts (units in brackets):
 * - `budget:<budgetId>`    spend in the budget's current window [micros]
 * - `balance:<accountId>`  spend against a prepaid funding account, lifetime [micros]
 * - `rpm:<rateLimitId>`    requests in the current UTC minute [requests]
 * - `tpm:<rateLimitId>`    input + output tokens in the current UTC minute [tokens]
 * - `conc:<rateLimitId>`   requests in flight [slots; `used` goes down again when they end]
 */
export type CounterKind = 'budget' | 'balance' | 'rpm' | 'tpm' | 'conc';

/** `<kind>:<id>` */
export function counterKey(kind: CounterKind, id: string): string {
  return `${kind}:${id}`;
}

/** The kind and id of a counter key; null when it is not one. */
export function parseCounterKey(key: string): { kind: CounterKind; id: string } | null {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  if (colon < 1 || !['budget', 'balance', 'rpm', 'tpm', 'conc'].includes(kind)) return null;
  return { kind: kind as CounterKind, id: key.slice(colon + 1) };
}

const counterDemandSchema = z.strictObject({
  key: z.string().min(3).max(200),
  /**
   * Epoch ms of the window this report is about, as the control plane last named it; 0 when
   * the instance has no grant yet (the control plane answers for the current window).
   */
  windowStart: z.int().min(0),
  /**
   * Everything this instance has used of the counter in that window: settled plus still
   * reserved (for `conc`: slots held now). Never more than granted except in degraded mode.
   */
  used: z.int().min(0),
  /**
   * Capacity this instance wants available beyond `used` once granted (the next lease, plus the
   * shortfall of requests waiting for it): a target, so a retried demand grants nothing more. A
   * live grant never shrinks.
   */
  want: z.int().min(0),
});

export const quotaLeaseRequestSchema = z.strictObject({
  /** The data plane's configured id (DATAPLANE_ID). */
  dataplaneId: z.string().min(1).max(200),
  /** Random per process start: a restarted data plane is a new instance whose old leases expire. */
  instanceId: z.string().min(8).max(100),
  counters: z.array(counterDemandSchema).max(10_000),
});

const counterGrantSchema = z.strictObject({
  key: z.string(),
  /** The window the grant is for (epoch ms; 0 for lifetime counters and `conc`). */
  windowStart: z.int().min(0),
  /** When that window ends (epoch ms; null = never): usage then starts again from zero. */
  windowEnd: z.int().nullable(),
  /** Capacity of the counter in that window (budget amount, balance, limit). */
  limit: z.int().min(0),
  /** Cumulative capacity granted to this instance in that window (≥ what it reported using). */
  granted: z.int().min(0),
  /** Capacity left for everyone after this grant: for rate-limit headers and GET /v1/key. */
  remaining: z.int(),
  /** The grant is void after this (epoch ms) unless renewed: a silent instance's share returns to the pool. */
  expiresAt: z.int(),
  /** False when the counter no longer exists (budget removed): stop enforcing it. */
  active: z.boolean(),
  /**
   * Instances holding a live lease on the counter (this one included): a data plane that loses
   * the control plane falls back to limit ÷ this for rate limits (degraded mode).
   */
  liveInstances: z.int().min(1).optional(),
});

export const quotaLeaseResponseSchema = z.strictObject({
  /** Control plane clock (epoch ms), so data planes can tell their clock skew. */
  serverTime: z.int(),
  /** How long grants last without renewal. */
  leaseTtlMs: z.int().min(1),
  grants: z.array(counterGrantSchema),
});

export type CounterDemand = z.infer<typeof counterDemandSchema>;
export type CounterGrant = z.infer<typeof counterGrantSchema>;
export type QuotaLeaseRequest = z.infer<typeof quotaLeaseRequestSchema>;
export type QuotaLeaseResponse = z.infer<typeof quotaLeaseResponseSchema>;
