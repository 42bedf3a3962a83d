import type { PrismaClient } from '../generated/prisma/client.ts';
import { systemAudit, writeAudit } from '../audit/audit-trail.ts';
import { inTransaction } from '../domain/transaction.ts';

/** A budget threshold crossed in one window, as the quota service reports it. */
export interface BudgetAlertInput {
  budgetId: string;
  /** The window the threshold was crossed in (epoch ms or Date); end null for LIFETIME. */
  windowStart: Date | number;
  windowEnd: Date | number | null;
  /** One of the budget's alert thresholds, in percent of its amount. */
  thresholdPercent: number;
  /** Spend (committed) in the window when the threshold was crossed, and the budget's amount then. */
  spentMicros: bigint | number;
  amountMicros: bigint | number;
}

/** The alert row {@link recordBudgetAlert} made; null from it when the alert was already recorded. */
export interface RecordedBudgetAlert {
  id: string;
  /** `pending` when the budget has a webhook (a deliverer will POST it), else `none`. */
  webhookStatus: 'none' | 'pending';
}

/** Something that POSTs recorded alerts to their webhook in the background (money/budget-webhook.ts). */
export interface BudgetAlertDeliveryQueue {
  /** Schedules a delivery; returns at once, never throws. */
  enqueue(alertId: string): void;
}

/**
 * Records that a budget crossed a threshold in a window, once: the unique index on (budget,
 * window start, threshold) makes every later call (a retried lease renewal, another control
 * plane, the same crossing seen twice) a no-op answering null. The alert and its SYSTEM audit
 * entry commit together; the webhook, if any, is handed to `delivery` after the commit and never
 * awaited, so a slow or dead receiver cannot hold up the quota service that reported the crossing.
 * Without `delivery` the alert stays `pending` until a deliverer picks it up (it resumes pending
 * alerts on start).
 */
export async function recordBudgetAlert(prisma: PrismaClient, input: BudgetAlertInput, delivery?: BudgetAlertDeliveryQueue): Promise<RecordedBudgetAlert | null> {
  const recorded = await inTransaction(prisma, async (tx) => {
    const budget = await tx.budget.findUnique({ where: { id: input.budgetId }, select: { orgId: true, webhookUrl: true } });
    if (budget === null) return null;
    const webhookStatus = budget.webhookUrl === null ? 'none' : 'pending';
    // INSERT … ON CONFLICT DO NOTHING RETURNING: a concurrent duplicate neither fails nor aborts the transaction.
    const [row] = await tx.budgetAlert.createManyAndReturn({
      data: [
        {
          orgId: budget.orgId,
          budgetId: input.budgetId,
          windowStart: new Date(input.windowStart),
          windowEnd: input.windowEnd === null ? null : new Date(input.windowEnd),
          thresholdPercent: input.thresholdPercent,
          spentMicros: BigInt(input.spentMicros),
          amountMicros: BigInt(input.amountMicros),
          webhookStatus,
        },
      ],
      skipDuplicates: true,
    });
    if (row === undefined) return null;
    await writeAudit(tx, systemAudit(budget.orgId, 'recordBudgetAlert', `budget-alert-${row.id}`), { objectType: 'BudgetAlert', objectId: row.id, before: null, after: row });
    return { id: row.id, webhookStatus } as const;
  });
  if (recorded?.webhookStatus === 'pending') delivery?.enqueue(recorded.id);
  return recorded;
}

/** The alert recorder the quota service calls (h8b): {@link recordBudgetAlert}'s shape. */
export type BudgetAlertRecorder = (prisma: PrismaClient, input: BudgetAlertInput) => Promise<RecordedBudgetAlert | null>;

/** A {@link BudgetAlertRecorder} that hands webhooks to `delivery`. */
export function createBudgetAlertRecorder(delivery: BudgetAlertDeliveryQueue): BudgetAlertRecorder {
  return (prisma, input) => recordBudgetAlert(prisma, input, delivery);
}
