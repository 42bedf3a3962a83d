import { For, Show, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Money } from '../../components/Money.tsx';
import { ShownOncePanel } from '../../components/ShownOncePanel.tsx';
import { createSubmission } from '../../graphql/create-submission.ts';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { formatDateTime } from '../../lib/format-date.ts';
import { localRangeOf } from '../../lib/local-range.ts';
import { CreateCreditCodeMutation, RedeemCreditCodeMutation, type CreatedCreditCode } from './billing.graphql.ts';
import { parsePositiveDollars, type PostingTarget } from './billing-form.ts';

/** Props of {@link CreditCodesSection}. */
export interface CreditCodesSectionProps {
  /** May mint codes (an organisation-level billing manager). */
  canCreate: boolean;
  /** Accounts the viewer may redeem into; empty hides the redeem form. */
  targets: readonly PostingTarget[];
  onRedeemed(): void;
}

/**
 * Credit codes: minting one (its code is shown this once, with a copy button; only its HMAC is
 * kept) and redeeming one into a prepaid account the viewer manages.
 */
export function CreditCodesSection(props: CreditCodesSectionProps): JSX.Element {
  const [created, setCreated] = createSignal<CreatedCreditCode | null>(null);
  const [redeemed, setRedeemed] = createSignal<string | null>(null);
  const create = createSubmission(CreateCreditCodeMutation, 'The credit code was not created.', () => undefined);
  const redeem = createSubmission(RedeemCreditCodeMutation, 'The code was not redeemed.', props.onRedeemed);
  const [amount, setAmount] = createSignal('');
  const [expires, setExpires] = createSignal('');
  const [code, setCode] = createSignal('');
  const [target, setTarget] = createSignal(0);
  const [createInvalid, setCreateInvalid] = createSignal<ErrorDescription | null>(null);
  const [redeemInvalid, setRedeemInvalid] = createSignal<ErrorDescription | null>(null);

  const submitCreate = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const micros = parsePositiveDollars(amount());
    if (!micros.ok) return void setCreateInvalid({ message: `Worth: ${micros.message}`, code: null });
    const until = localRangeOf('', expires());
    if (!until.ok) return void setCreateInvalid({ message: 'Expires: not a date and time.', code: null });
    setCreateInvalid(null);
    const answer = await create.submit({ input: { amountMicros: micros.micros, ...(until.to === undefined ? {} : { expiresAt: until.to }) } });
    if (answer === null) return;
    setAmount('');
    setExpires('');
    setCreated(answer.createCreditCode);
  };
  const submitRedeem = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const chosen = props.targets[target()];
    const text = code().trim();
    if (text === '') return void setRedeemInvalid({ message: 'Code: paste the credit code.', code: null });
    if (chosen === undefined) return void setRedeemInvalid({ message: 'Account: choose the account to credit.', code: null });
    setRedeemInvalid(null);
    setRedeemed(null);
    if (await redeem.run({ input: { code: text, scope: chosen.scope, scopeId: chosen.scopeId } })) {
      setCode('');
      setRedeemed(chosen.label);
    }
  };

  return (
    <section class="panel" aria-labelledby="credit-codes-title" data-testid="credit-codes">
      <h2 id="credit-codes-title">Credit codes</h2>
      <Show when={props.canCreate}>
        <form class="form form-inline" novalidate onSubmit={(event) => void submitCreate(event)} aria-label="Create a credit code" data-testid="credit-code-create">
          <div class="field field-price">
            <label for="credit-code-amount">Worth ($)</label>
            <input id="credit-code-amount" inputmode="decimal" autocomplete="off" placeholder="25.00" value={amount()} onInput={(e) => setAmount(e.currentTarget.value)} data-testid="credit-code-amount" />
          </div>
          <div class="field">
            <label for="credit-code-expires">Expires (optional)</label>
            <input id="credit-code-expires" type="datetime-local" value={expires()} onInput={(e) => setExpires(e.currentTarget.value)} data-testid="credit-code-expires" />
          </div>
          <button type="submit" class="button button-primary" disabled={create.busy()} data-testid="credit-code-create-submit">
            {create.busy() ? 'Creating…' : 'Create code'}
          </button>
          <ErrorBanner error={createInvalid() ?? create.error()} testId="credit-code-create-error" />
        </form>
      </Show>
      <Show when={created()}>
        {(shown) => (
          <ShownOncePanel title="New credit code" value={shown().code} copyLabel="Copy code" testId="credit-code-created" onDismiss={() => setCreated(null)}>
            <p>
              Worth <Money micros={shown().creditCode.amountMicros} exact />
              {shown().creditCode.expiresAt === null ? ', never expires' : `, redeemable until ${formatDateTime(shown().creditCode.expiresAt!)}`}. This is the only time the
              code is shown: copy it now. It can be redeemed once.
            </p>
          </ShownOncePanel>
        )}
      </Show>
      <Show when={props.targets.length > 0} fallback={<p class="muted">Your role does not allow redeeming codes.</p>}>
        <form class="form form-inline" novalidate onSubmit={(event) => void submitRedeem(event)} aria-label="Redeem a credit code" data-testid="credit-code-redeem">
          <div class="field field-wide">
            <label for="credit-code-input">Code</label>
            <input id="credit-code-input" autocomplete="off" spellcheck={false} value={code()} onInput={(e) => setCode(e.currentTarget.value)} data-testid="credit-code-input" />
          </div>
          <div class="field">
            <label for="credit-code-target">Credit to</label>
            <select id="credit-code-target" onChange={(e) => setTarget(Number(e.currentTarget.value))} data-testid="credit-code-target">
              <For each={props.targets}>{(t, index) => <option value={String(index())} selected={index() === target()}>{t.label}</option>}</For>
            </select>
          </div>
          <button type="submit" class="button button-primary" disabled={redeem.busy()} data-testid="credit-code-redeem-submit">
            {redeem.busy() ? 'Redeeming…' : 'Redeem'}
          </button>
          <ErrorBanner error={redeemInvalid() ?? redeem.error()} testId="credit-code-redeem-error" />
        </form>
        <Show when={redeemed()}>
          {(label) => (
            <div class="banner banner-info" role="status" data-testid="credit-code-redeemed">
              Redeemed into {label()}.
            </div>
          )}
        </Show>
      </Show>
    </section>
  );
}
