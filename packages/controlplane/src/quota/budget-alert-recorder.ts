import type { PrismaClient } from '../generated/prisma/client.ts';
import { recordBudgetAlert, type BudgetAlertRecorder as RecordOneBudgetAlert } from '../money/budget-alerts.ts';

/** One crossed threshold of a budget in one window. */
export interface BudgetAlertInput {
  budgetId: string;
  orgId: string;
  windowStart: number;
  /** null for lifetime budgets. */
  windowEnd: number | null;
  thresholdPercent: number;
  spentMicros: number;
  amountMicros: number;
}

/**
 * Records crossed budget thresholds, once per budget × window × threshold (the unique index of
 * budget_alert makes a repeat a no-op). The quota service calls it; the alerting module
 * (money/budget-alerts.ts) provides the implementation that also delivers webhooks.
 */
export type BudgetAlertRecorder = (alerts: readonly BudgetAlertInput[]) => Promise<void>;

/**
 * Feeds crossed thresholds to the alerting module one by one: each is recorded once (with its
 * audit entry) and, when `record` was built with a delivery queue, posted to the budget's webhook.
 */
export function createQuotaAlertRecorder(prisma: PrismaClient, record: RecordOneBudgetAlert = recordBudgetAlert): BudgetAlertRecorder {
  return async (alerts) => {
    for (const alert of alerts) await record(prisma, alert);
  };
}
