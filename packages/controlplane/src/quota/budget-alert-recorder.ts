import type { PrismaClient } from '../generated/prisma/client.ts';

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

/** The console-only recorder: inserts the rows, skipping ones already there. */
export function createBudgetAlertRowRecorder(prisma: PrismaClient): BudgetAlertRecorder {
  return async (alerts) => {
    if (alerts.length === 0) return;
    await prisma.budgetAlert.createMany({
      data: alerts.map((a) => ({
        orgId: a.orgId,
        budgetId: a.budgetId,
        windowStart: new Date(a.windowStart),
        windowEnd: a.windowEnd === null ? null : new Date(a.windowEnd),
        thresholdPercent: a.thresholdPercent,
        spentMicros: BigInt(a.spentMicros),
        amountMicros: BigInt(a.amountMicros),
      })),
      skipDuplicates: true,
    });
  };
}
