import { createEffect, createSignal, For, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { RouteFields } from './RouteFields.tsx';
import { emptyRouteDraft, keepOrFirstProvider, parseRouteDraft, type RouteDraft } from './route-draft.ts';
import { ROUTING_STRATEGY_LABELS, type NewAlias, type ProviderRow, type RoutingStrategy } from './routing.graphql.ts';

/** Props of {@link AddAliasForm}. */
export interface AddAliasFormProps {
  providers: readonly ProviderRow[];
  /** Environment names a route may be limited to. */
  environments: readonly string[];
  busy: boolean;
  error: ErrorDescription | null;
  /** Resolves true when the alias was created, so the form clears itself. */
  onCreate(input: NewAlias): Promise<boolean>;
}

/** A new alias (the `model` apps send) with its first route; more routes are added per alias. */
export function AddAliasForm(props: AddAliasFormProps): JSX.Element {
  const [alias, setAlias] = createSignal('');
  const [strategy, setStrategy] = createSignal<RoutingStrategy>('FALLBACK');
  const [draft, setDraft] = createSignal<RouteDraft>(emptyRouteDraft());
  const [invalid, setInvalid] = createSignal<{ field: 'alias' | keyof RouteDraft; error: ErrorDescription } | null>(null);

  createEffect(() => {
    const providerId = keepOrFirstProvider(draft().providerId, props.providers);
    if (providerId !== draft().providerId) setDraft((d) => ({ ...d, providerId }));
  });

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const name = alias().trim();
    if (name === '') {
      setInvalid({ field: 'alias', error: { message: 'Enter the alias apps will send as model, such as chat-default.', code: null } });
      return;
    }
    const route = parseRouteDraft(draft());
    if (!route.ok) {
      setInvalid({ field: route.field, error: { message: route.message, code: null } });
      return;
    }
    setInvalid(null);
    if (await props.onCreate({ alias: name, routes: [route.input], routingStrategy: strategy() })) {
      setAlias('');
      setStrategy('FALLBACK');
      setDraft((d) => emptyRouteDraft(d.providerId));
    }
  };

  return (
    <form class="form form-inline" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="add-alias-title" data-testid="add-alias-form">
      <h3 id="add-alias-title">Add alias</h3>
      <div class="field">
        <label for="alias-name">Alias</label>
        <input
          id="alias-name"
          type="text"
          autocomplete="off"
          spellcheck={false}
          required
          maxLength={200}
          placeholder="chat-default"
          value={alias()}
          onInput={(event) => setAlias(event.currentTarget.value)}
          aria-invalid={invalid()?.field === 'alias'}
          data-testid="alias-name-input"
        />
      </div>
      <div class="field">
        <label for="alias-strategy">Routing strategy</label>
        <select id="alias-strategy" onChange={(event) => setStrategy(event.currentTarget.value as RoutingStrategy)} data-testid="alias-strategy">
          <For each={Object.entries(ROUTING_STRATEGY_LABELS) as Array<[RoutingStrategy, string]>}>
            {([value, label]) => (
              <option value={value} selected={strategy() === value}>
                {label}
              </option>
            )}
          </For>
        </select>
      </div>
      <RouteFields
        idPrefix="alias-route"
        draft={draft()}
        providers={props.providers}
        environments={props.environments}
        invalidField={invalid()?.field === 'alias' ? null : ((invalid()?.field as keyof RouteDraft | undefined) ?? null)}
        onChange={(patch) => setDraft((d) => ({ ...d, ...patch }))}
      />
      <button type="submit" class="button button-primary" disabled={props.busy || props.providers.length === 0} data-testid="add-alias-button">
        {props.busy ? 'Adding…' : 'Add alias'}
      </button>
      <ErrorBanner error={invalid()?.error ?? props.error} testId="add-alias-error" />
    </form>
  );
}
