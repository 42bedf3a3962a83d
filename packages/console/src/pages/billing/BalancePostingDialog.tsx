import { For, createEffect, createSignal, on, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { FormDialog } from '../../components/FormDialog.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import type { BalancePostingInput } from './billing.graphql.ts';
import { newIdempotencyKey, parsePostingAmount, type PostingKind, type PostingTarget } from './billing-form.ts';

/** Props of {@link BalancePostingDialog}. */
export interface BalancePostingDialogProps {
  open: boolean;
  /** Accounts the viewer may post to. */
  targets: readonly PostingTarget[];
  /** The account the dialog opens on (the row it was opened from), if any. */
  initial: PostingTarget | null;
  busy: boolean;
  error: ErrorDescription | null;
  onSubmit(kind: PostingKind, input: BalancePostingInput): void;
  onCancel(): void;
}

const targetKey = (target: Pick<PostingTarget, 'scope' | 'scopeId'>): string => `${target.scope}:${target.scopeId}`;

/**
 * Top up or adjust a prepaid account. The amount is typed in dollars and sent as integer micros.
 * Each opening draws one idempotency key and every send from it carries that key, so a double
 * click or a retry after a lost answer posts once; the server refuses the key with other content.
 */
export function BalancePostingDialog(props: BalancePostingDialogProps): JSX.Element {
  const [kind, setKind] = createSignal<PostingKind>('TOP_UP');
  const [target, setTarget] = createSignal('');
  const [amount, setAmount] = createSignal('');
  const [memo, setMemo] = createSignal('');
  const [invalid, setInvalid] = createSignal<ErrorDescription | null>(null);
  const [idempotencyKey, setIdempotencyKey] = createSignal(newIdempotencyKey());
  createEffect(
    on(
      () => props.open,
      (open) => {
        if (!open) return;
        setIdempotencyKey(newIdempotencyKey());
        setKind('TOP_UP');
        setTarget(targetKey(props.initial ?? props.targets[0] ?? { scope: 'ORGANIZATION', scopeId: '' }));
        setAmount('');
        setMemo('');
        setInvalid(null);
      },
    ),
  );
  const submit = (): void => {
    const chosen = props.targets.find((t) => targetKey(t) === target());
    if (chosen === undefined) return void setInvalid({ message: 'Account: choose the account to post to.', code: null });
    const micros = parsePostingAmount(amount(), kind());
    if (!micros.ok) return void setInvalid({ message: `Amount: ${micros.message}`, code: null });
    setInvalid(null);
    const note = memo().trim();
    props.onSubmit(kind(), { scope: chosen.scope, scopeId: chosen.scopeId, amountMicros: micros.micros, idempotencyKey: idempotencyKey(), ...(note === '' ? {} : { memo: note }) });
  };
  return (
    <FormDialog
      open={props.open}
      titleId="balance-posting-title"
      title={kind() === 'TOP_UP' ? 'Top up a balance' : 'Adjust a balance'}
      submitLabel={kind() === 'TOP_UP' ? 'Top up' : 'Adjust'}
      busyLabel="Posting…"
      busy={props.busy}
      onSubmit={submit}
      onCancel={props.onCancel}
      testId="balance-posting-dialog"
    >
      <fieldset class="field">
        <legend>Posting</legend>
        <div class="segmented">
          <label>
            <input type="radio" name="posting-kind" value="TOP_UP" checked={kind() === 'TOP_UP'} onChange={() => setKind('TOP_UP')} data-testid="posting-kind-top-up" /> Top-up
          </label>
          <label>
            <input type="radio" name="posting-kind" value="ADJUSTMENT" checked={kind() === 'ADJUSTMENT'} onChange={() => setKind('ADJUSTMENT')} data-testid="posting-kind-adjustment" /> Adjustment
          </label>
        </div>
      </fieldset>
      <div class="field">
        <label for="posting-account">Account</label>
        <select id="posting-account" onChange={(event) => setTarget(event.currentTarget.value)} data-testid="posting-account">
          <For each={props.targets}>{(t) => <option value={targetKey(t)} selected={targetKey(t) === target()}>{t.label}</option>}</For>
        </select>
      </div>
      <div class="field field-price">
        <label for="posting-amount">Amount ($)</label>
        <input
          id="posting-amount"
          inputmode="decimal"
          autocomplete="off"
          placeholder={kind() === 'TOP_UP' ? '50.00' : '-2.50'}
          value={amount()}
          onInput={(event) => setAmount(event.currentTarget.value)}
          aria-describedby="posting-amount-help"
          aria-invalid={invalid() !== null}
          data-testid="posting-amount"
        />
        <p class="help" id="posting-amount-help">
          {kind() === 'TOP_UP' ? 'Dollars added, up to six decimals.' : 'Signed dollars: a minus sign takes money away.'}
        </p>
      </div>
      <div class="field field-wide">
        <label for="posting-memo">Memo (optional)</label>
        <input id="posting-memo" maxLength={500} autocomplete="off" value={memo()} onInput={(event) => setMemo(event.currentTarget.value)} data-testid="posting-memo" />
      </div>
      <ErrorBanner error={invalid() ?? props.error} testId="posting-error" />
    </FormDialog>
  );
}
