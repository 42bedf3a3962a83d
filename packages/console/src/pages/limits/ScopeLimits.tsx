import { createQuery } from '@urql/solid';
import { For, Show, createSignal, type JSX } from 'solid-js';
import { can, canSomewhere } from '../../auth/permissions.ts';
import { useViewer } from '../../auth/use-viewer.ts';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { Money } from '../../components/Money.tsx';
import { createSubmission } from '../../graphql/create-submission.ts';
import { describeError } from '../../graphql/describe-error.ts';
import { formatDateTime } from '../../lib/format-date.ts';
import { ScopeBalance } from '../billing/ScopeBalance.tsx';
import { BudgetAlertsTable } from './BudgetAlertsTable.tsx';
import { BudgetEditor, type BudgetDraft } from './BudgetEditor.tsx';
import { BudgetUsageBar } from './BudgetUsageBar.tsx';
import { RateLimitEditor } from './RateLimitEditor.tsx';
import { timeToReset } from './limits-form.ts';
import {
  CreateBudgetMutation,
  DeleteBudgetMutation,
  RemoveRateLimitMutation,
  ScopeLimitsQuery,
  SetRateLimitMutation,
  UpdateBudgetMutation,
  type BudgetRow,
  type LimitScope,
} from './limits.graphql.ts';

// Mutations of limits and budgets refetch this view even when it listed none of them yet.
const LIMITS_CONTEXT = { additionalTypenames: ['RateLimit', 'Budget', 'BudgetAlert'] };

/** Props of {@link ScopeLimits}: the scope, and the team owning it (null for the organization), which decides who may edit. */
export interface ScopeLimitsProps {
  scope: LimitScope;
  scopeId: string;
  teamId: string | null;
}

/**
 * Rate limits, budgets (usage bar for the current window, time to reset) and the alert history
 * of one key, team, project or the organization; forms for viewers who may write its config.
 */
export function ScopeLimits(props: ScopeLimitsProps): JSX.Element {
  const viewer = useViewer();
  const testId = `limits-${props.scope.toLowerCase()}-${props.scopeId}`;
  const withRateLimits = props.scope === 'KEY' || props.scope === 'TEAM' || props.scope === 'PROJECT';
  const [data, refetch] = createQuery({
    query: ScopeLimitsQuery,
    variables: () => ({ scope: props.scope, scopeId: props.scopeId, rateLimitScope: withRateLimits ? props.scope : null, withRateLimits }),
    context: LIMITS_CONTEXT,
    requestPolicy: 'cache-and-network',
  });
  const refresh = (): void => refetch({ requestPolicy: 'network-only' });
  const canWrite = (): boolean => can(viewer(), 'config:write', props.teamId);
  const setLimit = createSubmission(SetRateLimitMutation, 'The limits were not saved.', refresh);
  const removeLimit = createSubmission(RemoveRateLimitMutation, 'The limits were not removed.', refresh);
  const createBudget = createSubmission(CreateBudgetMutation, 'The budget was not created.', refresh);
  const updateBudget = createSubmission(UpdateBudgetMutation, 'The budget was not changed.', refresh);
  const deleteBudget = createSubmission(DeleteBudgetMutation, 'The budget was not deleted.', refresh);
  const [now] = createSignal(Date.now());
  const budgets = (): BudgetRow[] => data.data?.budgets ?? [];

  const saveBudget = (draft: BudgetDraft): void => {
    const existing = budgets().find((b) => b.period === draft.period);
    const { period, ...change } = draft;
    if (existing) void updateBudget.run({ id: existing.id, input: change });
    else void createBudget.run({ input: { scope: props.scope, scopeId: props.scopeId, period, ...change } });
  };

  return (
    <div class="limits" data-testid={testId}>
      <ErrorBanner error={data.error === undefined ? null : describeError(data.error)} testId={`${testId}-load-error`} />
      <Show when={data.data} fallback={<Show when={data.error === undefined}><Loading label="Loading limits…" /></Show>}>
        {(loaded) => (
          <>
            <Show when={withRateLimits}>
              <RateLimitEditor
                limit={loaded().rateLimits?.[0] ?? null}
                canWrite={canWrite()}
                busy={setLimit.busy() || removeLimit.busy()}
                error={setLimit.error() ?? removeLimit.error()}
                onSave={(values) => void setLimit.run({ input: { scope: props.scope, scopeId: props.scopeId, ...values } })}
                onRemove={(id) => void removeLimit.run({ id })}
                testId={`${testId}-rate`}
              />
            </Show>
            <Show when={props.scope !== 'KEY' && props.scope !== 'ENVIRONMENT' && canSomewhere(viewer(), 'spend:read')}>
              <section class="limits-block">
                <h3>Balance</h3>
                <ScopeBalance scope={props.scope as 'ORGANIZATION' | 'TEAM' | 'PROJECT'} scopeId={props.scopeId} testId={`${testId}-balance`} />
              </section>
            </Show>
            <section class="limits-block">
              <h3>Budgets</h3>
              <table class="data-table" data-testid={`${testId}-budgets`}>
                <caption>Budgets, with spend in the current window</caption>
                <thead>
                  <tr>
                    <th scope="col">Period</th>
                    <th scope="col">Mode</th>
                    <th scope="col">Used</th>
                    <th scope="col">Remaining</th>
                    <th scope="col">Resets</th>
                    <th scope="col">Alerts at</th>
                    <Show when={canWrite()}>
                      <th scope="col">Actions</th>
                    </Show>
                  </tr>
                </thead>
                <tbody>
                  <For each={budgets()} fallback={<tr><td class="empty" colSpan={7}>No budgets.</td></tr>}>
                    {(budget) => (
                      <tr data-testid={`budget-row-${budget.id}`}>
                        <td>{budget.period.toLowerCase()}</td>
                        <td>{budget.mode === 'HARD' ? 'stops requests' : 'alert only'}</td>
                        <td>
                          <BudgetUsageBar spentMicros={budget.spentMicros} amountMicros={budget.amountMicros} percentUsed={budget.percentUsed} testId={`budget-usage-${budget.id}`} />
                        </td>
                        <td>
                          <Money micros={budget.remainingMicros} />
                        </td>
                        <td data-testid={`budget-resets-${budget.id}`}>
                          <Show when={budget.resetsAt} fallback={<span class="muted">never</span>}>
                            {(resetsAt) => <time datetime={resetsAt()} title={formatDateTime(resetsAt())}>in {timeToReset(resetsAt(), now())}</time>}
                          </Show>
                        </td>
                        <td>
                          {budget.alertThresholds.map((t) => `${t}%`).join(', ') || <span class="muted">none</span>}
                          <Show when={budget.webhookOrigin}>{(origin) => <p class="help">webhook {origin()}</p>}</Show>
                        </td>
                        <Show when={canWrite()}>
                          <td>
                            <button type="button" class="button button-danger button-small" disabled={deleteBudget.busy()} onClick={() => void deleteBudget.run({ id: budget.id })} data-testid={`delete-budget-${budget.id}`}>
                              Delete
                            </button>
                          </td>
                        </Show>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
              <ErrorBanner error={deleteBudget.error()} testId={`${testId}-delete-error`} />
              <Show when={canWrite()}>
                <BudgetEditor budgets={budgets()} busy={createBudget.busy() || updateBudget.busy()} error={createBudget.error() ?? updateBudget.error()} onSubmit={saveBudget} testId={`${testId}-budget`} />
              </Show>
            </section>
            <section class="limits-block">
              <h3>Alert history</h3>
              <BudgetAlertsTable alerts={loaded().budgetAlerts.alerts} budgets={budgets()} testId={`${testId}-alerts`} />
            </section>
          </>
        )}
      </Show>
    </div>
  );
}
