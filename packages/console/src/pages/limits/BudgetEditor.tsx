import { For, Show, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { parseDollarsToMicros } from '../routing/dollars-to-micros.ts';
import { parseThresholds } from './limits-form.ts';
import type { BudgetMode, BudgetPeriod, BudgetRow } from './limits.graphql.ts';

/** What the form hands back: a budget for `period`, created or (when one exists) changed. */
export interface BudgetDraft {
  period: BudgetPeriod;
  amountMicros: string;
  mode: BudgetMode;
  alertThresholds: number[];
  /** Absent: keep the webhook as it is (or none on a new budget). */
  webhookUrl?: string;
}

const PERIODS: readonly { value: BudgetPeriod; label: string }[] = [
  { value: 'DAY', label: 'Per day' },
  { value: 'WEEK', label: 'Per week (ISO, from Monday)' },
  { value: 'MONTH', label: 'Per month' },
  { value: 'LIFETIME', label: 'Lifetime' },
];

/**
 * Sets a budget: one per period, so choosing a period that has one changes it. Amounts are
 * typed in dollars and sent as micros; windows follow the organization's time zone.
 */
export function BudgetEditor(props: { budgets: readonly BudgetRow[]; busy: boolean; error: ErrorDescription | null; onSubmit(draft: BudgetDraft): void; testId: string }): JSX.Element {
  const [period, setPeriod] = createSignal<BudgetPeriod>('MONTH');
  const [amount, setAmount] = createSignal('');
  const [mode, setMode] = createSignal<BudgetMode>('HARD');
  const [thresholds, setThresholds] = createSignal('50, 80, 100');
  const [webhook, setWebhook] = createSignal('');
  const [invalid, setInvalid] = createSignal<ErrorDescription | null>(null);
  const existing = (): BudgetRow | undefined => props.budgets.find((b) => b.period === period());
  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const micros = parseDollarsToMicros(amount(), 'amount');
    if (!micros.ok) return void setInvalid({ message: `Amount: ${micros.message}`, code: null });
    if (micros.micros === '0') return void setInvalid({ message: 'Amount: must be more than zero.', code: null });
    const checked = parseThresholds(thresholds());
    if (!checked.ok) return void setInvalid({ message: checked.message, code: null });
    setInvalid(null);
    props.onSubmit({ period: period(), amountMicros: micros.micros, mode: mode(), alertThresholds: checked.value, ...(webhook().trim() === '' ? {} : { webhookUrl: webhook().trim() }) });
  };
  return (
    <form class="form form-inline" novalidate onSubmit={submit} data-testid={`${props.testId}-form`}>
      <div class="field">
        <label for={`${props.testId}-period`}>Period</label>
        <select id={`${props.testId}-period`} onChange={(event) => setPeriod(event.currentTarget.value as BudgetPeriod)} data-testid={`${props.testId}-period`}>
          <For each={PERIODS}>{(p) => <option value={p.value} selected={p.value === period()}>{p.label}</option>}</For>
        </select>
      </div>
      <div class="field">
        <label for={`${props.testId}-amount`}>Amount ($)</label>
        <input id={`${props.testId}-amount`} inputmode="decimal" autocomplete="off" placeholder="25.00" value={amount()} onInput={(e) => setAmount(e.currentTarget.value)} data-testid={`${props.testId}-amount`} />
      </div>
      <div class="field">
        <label for={`${props.testId}-mode`}>When spent</label>
        <select id={`${props.testId}-mode`} onChange={(event) => setMode(event.currentTarget.value as BudgetMode)} data-testid={`${props.testId}-mode`}>
          <option value="HARD" selected={mode() === 'HARD'}>Stop requests</option>
          <option value="ALERT" selected={mode() === 'ALERT'}>Alert only</option>
        </select>
      </div>
      <div class="field">
        <label for={`${props.testId}-thresholds`}>Alert at (%)</label>
        <input id={`${props.testId}-thresholds`} autocomplete="off" value={thresholds()} onInput={(e) => setThresholds(e.currentTarget.value)} data-testid={`${props.testId}-thresholds`} />
      </div>
      <div class="field">
        <label for={`${props.testId}-webhook`}>Webhook URL (optional)</label>
        <input id={`${props.testId}-webhook`} type="url" autocomplete="off" placeholder="https://hooks.example.com/…" value={webhook()} onInput={(e) => setWebhook(e.currentTarget.value)} data-testid={`${props.testId}-webhook`} />
      </div>
      <button type="submit" class="button button-primary" disabled={props.busy} data-testid={`${props.testId}-submit`}>
        <Show when={existing()} fallback="Add budget">
          Change {period().toLowerCase()} budget
        </Show>
      </button>
      <ErrorBanner error={invalid() ?? props.error} testId={`${props.testId}-error`} />
    </form>
  );
}
