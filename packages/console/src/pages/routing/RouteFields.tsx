import { For, Show, type JSX } from 'solid-js';
import type { RouteDraft } from './route-draft.ts';
import type { ProviderRow } from './routing.graphql.ts';

/** Props of {@link RouteFields}; the parent owns the draft. */
export interface RouteFieldsProps {
  /** Prefix of the inputs' ids and test ids, unique per form (`alias-route`, `add-route`). */
  idPrefix: string;
  draft: RouteDraft;
  providers: readonly ProviderRow[];
  /** Environment names a route may be limited to (environmentNamesOf). */
  environments: readonly string[];
  /** The field a failed check named, marked aria-invalid. */
  invalidField: keyof RouteDraft | null;
  onChange(patch: Partial<RouteDraft>): void;
}

/** Provider, upstream model, priority, weight and environment of one route. */
export function RouteFields(props: RouteFieldsProps): JSX.Element {
  const id = (field: string): string => `${props.idPrefix}-${field}`;
  return (
    <>
      <div class="field">
        <label for={id('provider')}>Provider</label>
        <select
          id={id('provider')}
          onChange={(event) => props.onChange({ providerId: event.currentTarget.value })}
          aria-invalid={props.invalidField === 'providerId'}
          data-testid={id('provider')}
        >
          <Show when={props.providers.length === 0 || props.draft.providerId === ''}>
            <option value="">{props.providers.length === 0 ? 'No providers yet' : 'Choose…'}</option>
          </Show>
          <For each={props.providers}>
            {(provider) => (
              <option value={provider.id} selected={provider.id === props.draft.providerId}>
                {provider.name}
              </option>
            )}
          </For>
        </select>
      </div>
      <div class="field">
        <label for={id('model')}>Upstream model</label>
        <input
          id={id('model')}
          type="text"
          autocomplete="off"
          spellcheck={false}
          required
          maxLength={200}
          placeholder="gpt-4o-mini"
          value={props.draft.upstreamModel}
          onInput={(event) => props.onChange({ upstreamModel: event.currentTarget.value })}
          aria-invalid={props.invalidField === 'upstreamModel'}
          data-testid={id('model')}
        />
      </div>
      <div class="field field-number">
        <label for={id('priority')}>Priority</label>
        <input
          id={id('priority')}
          type="number"
          inputMode="numeric"
          min="0"
          max="1000"
          step="1"
          value={props.draft.priority}
          onInput={(event) => props.onChange({ priority: event.currentTarget.value })}
          aria-invalid={props.invalidField === 'priority'}
          aria-describedby={id('priority-help')}
          data-testid={id('priority')}
        />
        <span id={id('priority-help')} class="help">
          Lower runs first
        </span>
      </div>
      <div class="field field-number">
        <label for={id('weight')}>Weight</label>
        <input
          id={id('weight')}
          type="number"
          inputMode="numeric"
          min="1"
          max="1000"
          step="1"
          value={props.draft.weight}
          onInput={(event) => props.onChange({ weight: event.currentTarget.value })}
          aria-invalid={props.invalidField === 'weight'}
          aria-describedby={id('weight-help')}
          data-testid={id('weight')}
        />
        <span id={id('weight-help')} class="help">
          Share at equal priority
        </span>
      </div>
      <div class="field">
        <label for={id('environment')}>Environment</label>
        <select
          id={id('environment')}
          onChange={(event) => props.onChange({ environment: event.currentTarget.value })}
          aria-describedby={id('environment-help')}
          data-testid={id('environment')}
        >
          <option value="" selected={props.draft.environment === ''}>
            All environments
          </option>
          <For each={props.environments}>
            {(name) => (
              <option value={name} selected={name === props.draft.environment}>
                {name} only
              </option>
            )}
          </For>
        </select>
        <span id={id('environment-help')} class="help">
          An environment with routes of its own uses only those
        </span>
      </div>
    </>
  );
}
