import { Show, createSignal, type JSX } from 'solid-js';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { createSubmission } from '../../graphql/create-submission.ts';
import { SetBillingModeMutation, type BillingMode } from './billing.graphql.ts';

const MODE_TEXT: Record<BillingMode, { label: string; means: string }> = {
  POSTPAID: { label: 'Postpaid', means: 'Spend is recorded in the ledger; balances never stop requests.' },
  PREPAID: { label: 'Prepaid', means: 'A request is stopped when its funding account (project, else team, else organization) has no money left.' },
};

/**
 * The organisation's billing mode, and for an organisation-level billing manager the switch,
 * behind a confirmation: turning prepaid on can stop traffic at once.
 */
export function BillingModeSection(props: { mode: BillingMode; canSwitch: boolean; onChanged(): void }): JSX.Element {
  const [confirming, setConfirming] = createSignal(false);
  const switchMode = createSubmission(SetBillingModeMutation, 'The billing mode was not changed.', props.onChanged);
  const other = (): BillingMode => (props.mode === 'PREPAID' ? 'POSTPAID' : 'PREPAID');
  const confirm = async (): Promise<void> => {
    if (await switchMode.run({ mode: other() })) setConfirming(false);
  };
  return (
    <section class="panel" aria-labelledby="billing-mode-title" data-testid="billing-mode">
      <h2 id="billing-mode-title">Billing mode</h2>
      <p>
        <span class="badge badge-role" data-testid="billing-mode-value">
          {MODE_TEXT[props.mode].label}
        </span>{' '}
        {MODE_TEXT[props.mode].means}
      </p>
      <Show when={props.canSwitch}>
        <button type="button" class="button" onClick={() => setConfirming(true)} data-testid="billing-mode-switch">
          Switch to {MODE_TEXT[other()].label.toLowerCase()}
        </button>
      </Show>
      <ConfirmDialog
        open={confirming()}
        title={`Switch to ${MODE_TEXT[other()].label.toLowerCase()}?`}
        confirmLabel={`Switch to ${MODE_TEXT[other()].label.toLowerCase()}`}
        busy={switchMode.busy()}
        onConfirm={() => void confirm()}
        onCancel={() => {
          switchMode.clearError();
          setConfirming(false);
        }}
        testId="billing-mode-dialog"
      >
        <p>{MODE_TEXT[other()].means}</p>
        <p>Data planes apply the change with their next configuration snapshot, within seconds.</p>
        <ErrorBanner error={switchMode.error()} testId="billing-mode-error" />
      </ConfirmDialog>
    </section>
  );
}
