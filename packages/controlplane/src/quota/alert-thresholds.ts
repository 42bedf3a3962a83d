import type { SnapshotBudget } from '@proxystacks/shared/snapshot/config-snapshot';

/**
 * The alert thresholds (percent of the amount) that spend has reached. Integer arithmetic, so
 * 80 % of 1 000 001 micros is reached at exactly 800 001 and never a micro early.
 */
export function reachedThresholds(budget: SnapshotBudget, spentMicros: number): number[] {
  if (budget.amountMicros <= 0) return spentMicros > 0 ? [...budget.alertThresholdsPercent] : [];
  const spent = BigInt(spentMicros) * 100n;
  const amount = BigInt(budget.amountMicros);
  return budget.alertThresholdsPercent.filter((percent) => spent >= BigInt(percent) * amount);
}

/**
 * Remembers which (budget, window, threshold) alerts this process has already recorded, so a
 * budget past 80 % does not cost an insert on every lease renewal. Bounded: forgetting only
 * costs one more idempotent insert.
 */
export function createRecordedAlerts(maxEntries = 50_000) {
  const seen = new Set<string>();
  return {
    /** True (and remembered) the first time this alert is seen. */
    isNew(budgetId: string, windowStart: number, percent: number): boolean {
      const id = `${budgetId}/${windowStart}/${percent}`;
      if (seen.has(id)) return false;
      if (seen.size >= maxEntries) seen.clear();
      seen.add(id);
      return true;
    },
    /** Forgets an alert whose recording failed, so the next renewal tries again. */
    forget(budgetId: string, windowStart: number, percent: number): void {
      seen.delete(`${budgetId}/${windowStart}/${percent}`);
    },
  };
}
