import type { JSX } from 'solid-js';
import { Money } from '../../components/Money.tsx';
import { barPercent, usageLevel } from './limits-form.ts';

/** Spend of the current window against the amount: a bar, the figures and the percentage. */
export function BudgetUsageBar(props: { spentMicros: string; amountMicros: string; percentUsed: number; testId: string }): JSX.Element {
  return (
    <div class="usage" data-testid={props.testId}>
      <div
        class={`usage-bar usage-${usageLevel(props.percentUsed)}`}
        role="meter"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={barPercent(props.percentUsed)}
        aria-label={`${props.percentUsed}% of the budget used`}
      >
        <span style={{ width: `${barPercent(props.percentUsed)}%` }} />
      </div>
      <span class="usage-text">
        <Money micros={props.spentMicros} /> of <Money micros={props.amountMicros} /> (<span data-testid={`${props.testId}-percent`}>{props.percentUsed}%</span>)
      </span>
    </div>
  );
}
