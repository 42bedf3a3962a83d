import { For, Show, createEffect, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { parseDollarsToMicros } from './dollars-to-micros.ts';
import { keepOrFirstProvider } from './route-draft.ts';
import type { ProviderRow } from './routing.graphql.ts';

/** What {@link AddPriceForm} submits: amounts are Micros strings per million tokens. */
export interface NewPrice {
  providerId: string;
  model: string;
  inputMicrosPerMTok: string;
  outputMicrosPerMTok: string;
  cachedInputMicrosPerMTok: string | null;
  cacheWriteMicrosPerMTok: string | null;
}

/** Props of {@link AddPriceForm}. */
export interface AddPriceFormProps {
  providers: readonly ProviderRow[];
  /** Upstream models the routes use, offered as suggestions. */
  models: readonly string[];
  busy: boolean;
  error: ErrorDescription | null;
  /** Resolves true when the price was added, so the form clears itself. */
  onCreate(input: NewPrice): Promise<boolean>;
}

type Field = 'providerId' | 'model' | PriceField;
type PriceField = 'input' | 'output' | 'cached' | 'cacheWrite';

/** The element ids and test ids of a price input: `price-<slug>-input` (kebab-case like the others). */
const PRICE_SLUG: Record<PriceField, string> = { input: 'input', output: 'output', cached: 'cached', cacheWrite: 'cache-write' };
/** The price inputs of an empty form. */
const NO_PRICES: Record<PriceField, string> = { input: '', output: '', cached: '', cacheWrite: '' };

/**
 * A new price version for a provider model, typed in dollars per million tokens as provider
 * price pages list them, and sent as exact integer micros.
 */
export function AddPriceForm(props: AddPriceFormProps): JSX.Element {
  const [providerId, setProviderId] = createSignal('');
  const [model, setModel] = createSignal('');
  const [prices, setPrices] = createSignal(NO_PRICES);
  const [invalid, setInvalid] = createSignal<{ field: Field; error: ErrorDescription } | null>(null);
  createEffect(() => setProviderId((current) => keepOrFirstProvider(current, props.providers)));

  const fail = (field: Field, message: string): void => {
    setInvalid({ field, error: { message, code: null } });
  };
  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    if (providerId() === '') return fail('providerId', 'Choose a provider (add one above first).');
    if (model().trim() === '') return fail('model', 'Enter the upstream model this price is for, such as gpt-4o-mini.');
    const input = parseDollarsToMicros(prices().input);
    if (!input.ok) return fail('input', `Input price: ${input.message}`);
    const output = parseDollarsToMicros(prices().output);
    if (!output.ok) return fail('output', `Output price: ${output.message}`);
    const cached = prices().cached.trim() === '' ? null : parseDollarsToMicros(prices().cached);
    if (cached !== null && !cached.ok) return fail('cached', `Cached input price: ${cached.message}`);
    const cacheWrite = prices().cacheWrite.trim() === '' ? null : parseDollarsToMicros(prices().cacheWrite);
    if (cacheWrite !== null && !cacheWrite.ok) return fail('cacheWrite', `Cache write price: ${cacheWrite.message}`);
    setInvalid(null);
    const created = await props.onCreate({
      providerId: providerId(),
      model: model().trim(),
      inputMicrosPerMTok: input.micros,
      outputMicrosPerMTok: output.micros,
      cachedInputMicrosPerMTok: cached === null ? null : cached.micros,
      cacheWriteMicrosPerMTok: cacheWrite === null ? null : cacheWrite.micros,
    });
    if (created) {
      setModel('');
      setPrices(NO_PRICES);
    }
  };

  const priceField = (field: PriceField, label: string, help: string): JSX.Element => (
    <div class="field field-price">
      <label for={`price-${PRICE_SLUG[field]}`}>{label}</label>
      <span class="input-affix">
        <span aria-hidden="true">$</span>
        <input
          id={`price-${PRICE_SLUG[field]}`}
          type="text"
          inputMode="decimal"
          autocomplete="off"
          placeholder={field === 'input' ? '0.15' : field === 'output' ? '0.60' : 'optional'}
          value={prices()[field]}
          onInput={(event) => {
            const value = event.currentTarget.value;
            setPrices((p) => ({ ...p, [field]: value }));
          }}
          aria-invalid={invalid()?.field === field}
          aria-describedby={`price-${PRICE_SLUG[field]}-help`}
          data-testid={`price-${PRICE_SLUG[field]}-input`}
        />
      </span>
      <span id={`price-${PRICE_SLUG[field]}-help`} class="help">
        {help}
      </span>
    </div>
  );

  return (
    <form class="form form-inline" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="add-price-title" data-testid="add-price-form">
      <h3 id="add-price-title">Add price</h3>
      <p class="help form-note">
        Dollars per million tokens, up to 6 decimals. A price for a provider and model that already has one becomes its
        next version.
      </p>
      <div class="field">
        <label for="price-provider">Provider</label>
        <select
          id="price-provider"
          onChange={(event) => setProviderId(event.currentTarget.value)}
          aria-invalid={invalid()?.field === 'providerId'}
          data-testid="price-provider-select"
        >
          <Show when={props.providers.length === 0}>
            <option value="">No providers yet</option>
          </Show>
          <For each={props.providers}>
            {(provider) => (
              <option value={provider.id} selected={provider.id === providerId()}>
                {provider.name}
              </option>
            )}
          </For>
        </select>
      </div>
      <div class="field">
        <label for="price-model">Upstream model</label>
        <input
          id="price-model"
          type="text"
          autocomplete="off"
          spellcheck={false}
          required
          maxLength={200}
          list="price-model-suggestions"
          value={model()}
          onInput={(event) => setModel(event.currentTarget.value)}
          aria-invalid={invalid()?.field === 'model'}
          data-testid="price-model-input"
        />
        <datalist id="price-model-suggestions">
          <For each={props.models}>{(name) => <option value={name} />}</For>
        </datalist>
      </div>
      {priceField('input', 'Input', 'per 1M prompt tokens')}
      {priceField('output', 'Output', 'per 1M completion tokens')}
      {priceField('cached', 'Cached input', 'empty = billed as input')}
      {priceField('cacheWrite', 'Cache write', 'prompt-cache writes; empty = billed as input')}
      <button type="submit" class="button button-primary" disabled={props.busy || props.providers.length === 0} data-testid="add-price-button">
        {props.busy ? 'Adding…' : 'Add price'}
      </button>
      <ErrorBanner error={invalid()?.error ?? props.error} testId="add-price-error" />
    </form>
  );
}
