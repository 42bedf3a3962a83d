import { budgetWindow, LIFETIME_WINDOW, minuteWindow, type BudgetWindow } from '@proxystacks/shared/quota/budget-window';
import type { CounterDefinition } from './counter-definitions.ts';

/**
 * The window a counter counts in at `nowMs`: a budget's calendar day, ISO week or month in its
 * organisation's time zone (or its lifetime); the UTC clock minute for rpm and tpm; and no window
 * at all (start 0, never ending) for a balance and for concurrency, which count for ever / right now.
 */
export function counterWindow(definition: CounterDefinition, nowMs: number): BudgetWindow {
  switch (definition.kind) {
    case 'budget':
      return budgetWindow(definition.budget.period, definition.timeZone, nowMs);
    case 'rpm':
    case 'tpm':
      return minuteWindow(nowMs);
    case 'balance':
    case 'conc':
      return LIFETIME_WINDOW;
  }
}
