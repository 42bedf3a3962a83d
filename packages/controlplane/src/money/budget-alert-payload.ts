import type { Budget, BudgetAlert } from '../generated/prisma/client.ts';

/** The JSON a budget alert webhook receives. Money as decimal strings of micro-units, as in GraphQL. */
export interface BudgetAlertPayload {
  type: 'budget.threshold_crossed';
  /** Unique per alert: receivers drop repeats by it (delivery is at least once). */
  alertId: string;
  budget: { id: string; name: string; scope: Budget['scope']; scopeId: string; period: Budget['period']; mode: Budget['mode'] };
  window: { start: string; end: string | null };
  thresholdPercent: number;
  spentMicros: string;
  amountMicros: string;
  recordedAt: string;
}

/**
 * What is POSTed for an alert: ids, the window and the figures. Nothing secret (no key material,
 * no webhook URL, no other tenant's data): only the budget's own scope and amounts.
 */
export function budgetAlertPayload(alert: BudgetAlert & { budget: Budget }): BudgetAlertPayload {
  const { budget } = alert;
  return {
    type: 'budget.threshold_crossed',
    alertId: alert.id,
    budget: { id: budget.id, name: budget.name, scope: budget.scope, scopeId: budget.scopeId, period: budget.period, mode: budget.mode },
    window: { start: alert.windowStart.toISOString(), end: alert.windowEnd?.toISOString() ?? null },
    thresholdPercent: alert.thresholdPercent,
    spentMicros: alert.spentMicros.toString(),
    amountMicros: alert.amountMicros.toString(),
    recordedAt: alert.createdAt.toISOString(),
  };
}
