import type { JSX } from 'solid-js';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Money } from '../../components/Money.tsx';
import { formatDateTime } from '../../lib/format-date.ts';
import type { BudgetAlertRow, BudgetRow } from './limits.graphql.ts';

/** The alert history of a scope's budgets: when each threshold was crossed, at what spend, and the webhook's fate. */
export function BudgetAlertsTable(props: { alerts: readonly BudgetAlertRow[]; budgets: readonly BudgetRow[]; testId: string }): JSX.Element {
  const periodOf = (alert: BudgetAlertRow): string => props.budgets.find((b) => b.id === alert.budgetId)?.period.toLowerCase() ?? '—';
  const columns: Column<BudgetAlertRow>[] = [
    { id: 'recorded', header: 'Recorded', cell: (a) => <time datetime={a.recordedAt}>{formatDateTime(a.recordedAt)}</time> },
    { id: 'budget', header: 'Budget', cell: (a) => periodOf(a) },
    { id: 'threshold', header: 'Threshold', cell: (a) => `${a.thresholdPercent}%` },
    {
      id: 'spent',
      header: 'Spent / amount',
      cell: (a) => (
        <span>
          <Money micros={a.spentMicros} /> / <Money micros={a.amountMicros} />
        </span>
      ),
    },
    { id: 'window', header: 'Window from', cell: (a) => formatDateTime(a.windowStart) },
    {
      id: 'webhook',
      header: 'Webhook',
      cell: (a) => (
        <span title={a.webhookLastError ?? undefined}>
          {a.webhookStatus}
          {a.webhookAttempts > 1 ? ` after ${a.webhookAttempts} attempts` : ''}
        </span>
      ),
    },
  ];
  return <DataTable caption="Alert history, newest first" columns={columns} rows={props.alerts} emptyText="No alerts yet." rowTestId={(a) => `budget-alert-${a.id}`} testId={props.testId} />;
}
