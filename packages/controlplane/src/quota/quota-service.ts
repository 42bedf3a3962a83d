import type { Logger } from 'pino';
import type { CounterDemand, CounterGrant, QuotaLeaseRequest, QuotaLeaseResponse } from '@proxystacks/shared/quota/lease-protocol';
import type { ConfigSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import type { PrismaClient, Prisma } from '../generated/prisma/client.ts';
import { inTransaction } from '../domain/transaction.ts';
import { createRecordedAlerts, reachedThresholds } from './alert-thresholds.ts';
import type { BudgetAlertInput, BudgetAlertRecorder } from './budget-alert-recorder.ts';
import { counterBaseUsed, counterLimit } from './counter-capacity.ts';
import { findCounterDefinition, type CounterDefinition } from './counter-definitions.ts';
import { counterWindow } from './counter-window.ts';
import { decideGrant } from './grant-rule.ts';
import { deleteEndedWindows, lockCounter, readLeases, recordFinalUse, writeLease } from './lease-accounting.ts';

/** Options of {@link createQuotaService}. */
export interface QuotaServiceOptions {
  prisma: PrismaClient;
  /** The snapshot data planes enforce: counters are defined by it. */
  currentSnapshot: () => ConfigSnapshot;
  /** How long a grant lasts without renewal (QUOTA_LEASE_TTL_MS). */
  leaseTtlMs: number;
  recordAlerts: BudgetAlertRecorder;
  logger: Pick<Logger, 'warn'>;
  now?: () => number;
}

/** Ended windows older than this are deleted (at most once per CLEANUP_EVERY_MS). */
const KEEP_ENDED_WINDOWS_MS = 10 * 60_000;
const CLEANUP_EVERY_MS = 60_000;

/**
 * The control plane side of the quota lease protocol (shared/src/quota/lease-protocol.ts): one
 * database transaction per renewal, every counter of it locked in key order, leases written
 * cumulatively, so a retried renewal gets the same answer and changes nothing.
 *
 * Worst-case overspend of a counter with limit C, N data plane instances and lease size L
 * (QUOTA_LEASE_FRACTION × C, at least one request's worst case), as enforced with the data plane
 * (dataplane/src/quota/admission.ts):
 *
 *   spend ≤ C + N × L      per control plane outage (budgets and balances fail open for one
 *                          lease-sized allowance per counter per outage, then closed)
 *         + K × L          K data planes killed: once a dead instance's lease expires only the
 *                          use it last reported stays committed, so what it admitted since (at
 *                          most its unused grant) is granted again
 *         + S × s          S streams cut at the limit at once, each overrunning by at most one
 *                          extension step s (output that arrived while the step was being decided)
 *
 * and no overspend otherwise: Σ grants ≤ C (decideGrant), and a data plane admits only against
 * its grant. Rate limits fail open in an outage at max(limit ÷ (live instances last seen), its
 * grant) per instance: at most C + (N − 1) × ⌊C ÷ N⌋ in the minute the outage begins, C in the
 * following ones.
 */
export function createQuotaService(options: QuotaServiceOptions) {
  const now = options.now ?? Date.now;
  const recorded = createRecordedAlerts();
  let lastCleanupMs = 0;

  async function lease(request: QuotaLeaseRequest): Promise<QuotaLeaseResponse> {
    const snapshot = options.currentSnapshot();
    // Sorted, de-duplicated: locks are always taken in the same order.
    const demands = [...new Map(request.counters.map((d) => [d.key, d])).values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const alerts: BudgetAlertInput[] = [];
    const grants = await inTransaction(options.prisma, async (tx) => {
      // Read the clock once the transaction has its connection: on single-connection PGlite it
      // can queue behind event ingestion for seconds, and a grant stamped before that wait would
      // reach the data plane with that much less of its lifetime left.
      const nowMs = now();
      const expiresAtMs = nowMs + options.leaseTtlMs;
      const out: CounterGrant[] = [];
      for (const demand of demands) {
        const definition = findCounterDefinition(snapshot, demand.key);
        if (definition === null) {
          out.push({ key: demand.key, windowStart: demand.windowStart, windowEnd: null, limit: 0, granted: 0, remaining: 0, expiresAt: expiresAtMs, active: false });
          continue;
        }
        out.push(await grantOne(tx, request, demand, definition, nowMs, expiresAtMs, alerts));
      }
      if (nowMs - lastCleanupMs > CLEANUP_EVERY_MS) {
        lastCleanupMs = nowMs;
        await deleteEndedWindows(tx, nowMs - KEEP_ENDED_WINDOWS_MS);
      }
      return out;
    });
    await recordNewAlerts(alerts);
    // The clock as the answer leaves: the data plane takes it for the midpoint of its round trip,
    // so a slow answer makes it think this clock is ahead (grants look shorter), never behind.
    return { serverTime: now(), leaseTtlMs: options.leaseTtlMs, grants };
  }

  async function grantOne(
    tx: Prisma.TransactionClient,
    request: QuotaLeaseRequest,
    demand: CounterDemand,
    definition: CounterDefinition,
    nowMs: number,
    expiresAtMs: number,
    alerts: BudgetAlertInput[],
  ): Promise<CounterGrant> {
    const window = counterWindow(definition, nowMs);
    let used = demand.used;
    if (demand.windowStart !== 0 && demand.windowStart < window.start) {
      // A report about a window that has ended: its final use is recorded, and the instance
      // starts the current window from nothing (its counters reset when the answer names it).
      await recordFinalUse(tx, demand.key, demand.windowStart, request.instanceId, demand.used);
      used = 0;
    }
    const counter = await lockCounter(tx, demand.key, window.start, window.end, () => counterBaseUsed(tx, definition, window.start, nowMs));
    const limit = await counterLimit(tx, definition, counter.createdAtMs);
    const leases = await readLeases(tx, demand.key, window.start);
    const decision = decideGrant({
      kind: definition.kind,
      limit,
      baseUsed: counter.baseUsed,
      others: leases.filter((l) => l.instanceId !== request.instanceId),
      own: leases.find((l) => l.instanceId === request.instanceId) ?? null,
      used,
      want: demand.want,
      nowMs,
    });
    await writeLease(tx, { key: demand.key, windowStartMs: window.start, instanceId: request.instanceId, dataplaneId: request.dataplaneId, granted: decision.granted, used: decision.used, expiresAtMs });
    if (definition.kind === 'budget') {
      const { budget } = definition;
      for (const percent of reachedThresholds(budget, decision.spent)) {
        if (!recorded.isNew(budget.id, window.start, percent)) continue;
        alerts.push({ budgetId: budget.id, orgId: budget.orgId, windowStart: window.start, windowEnd: window.end, thresholdPercent: percent, spentMicros: decision.spent, amountMicros: budget.amountMicros });
      }
    }
    return {
      key: demand.key,
      windowStart: window.start,
      windowEnd: window.end,
      limit,
      granted: decision.granted,
      remaining: decision.remaining,
      expiresAt: expiresAtMs,
      active: true,
      liveInstances: decision.liveInstances,
    };
  }

  /** Alerts are recorded after the grant committed; a failure is retried on the next renewal. */
  async function recordNewAlerts(alerts: BudgetAlertInput[]): Promise<void> {
    if (alerts.length === 0) return;
    try {
      await options.recordAlerts(alerts);
    } catch (err) {
      for (const a of alerts) recorded.forget(a.budgetId, a.windowStart, a.thresholdPercent);
      options.logger.warn({ reason: (err as Error).message, alerts: alerts.length }, 'recording budget alerts failed; retried on the next renewal');
    }
  }

  return { lease };
}

export type QuotaService = ReturnType<typeof createQuotaService>;
