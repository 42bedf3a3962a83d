import { For, type JSX } from 'solid-js';
import type { RequestFilter } from '../../lib/request-filter.ts';
import type { FilterChoicesData } from './requests.graphql.ts';

/** A choice of a filter select: the value sent to the API and what the admin reads. */
interface Choice {
  value: string;
  label: string;
}

function FilterSelect(props: { id: string; label: string; anyLabel: string; value: string | null; choices: readonly Choice[]; onChange(value: string | null): void }): JSX.Element {
  // A value from a link that the range has no traffic for is still offered, so the select shows it.
  const choices = (): readonly Choice[] =>
    props.value === null || props.choices.some((c) => c.value === props.value) ? props.choices : [{ value: props.value, label: props.value }, ...props.choices];
  return (
    <div class="field field-inline">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} onChange={(event) => props.onChange(event.currentTarget.value || null)} data-testid={props.id}>
        <option value="" selected={props.value === null}>
          {props.anyLabel}
        </option>
        <For each={choices()}>
          {(choice) => (
            <option value={choice.value} selected={choice.value === props.value}>
              {choice.label}
            </option>
          )}
        </For>
      </select>
    </div>
  );
}

/**
 * Key, model, outcome and error code pickers of the request log. The choices are what the range
 * saw (the top 100 of each), so the lists stay short and every choice finds something.
 */
export function RequestFilterFields(props: { value: RequestFilter; choices: FilterChoicesData | undefined; onChange(filter: RequestFilter): void }): JSX.Element {
  const set = (patch: Partial<RequestFilter>): void => props.onChange({ ...props.value, ...patch });
  return (
    <>
      <FilterSelect
        id="request-key-filter"
        label="Key"
        anyLabel="Any key"
        value={props.value.keyId}
        choices={(props.choices?.keys.rows ?? []).filter((r) => r.key !== '').map((r) => ({ value: r.key, label: r.label ?? r.key }))}
        onChange={(keyId) => set({ keyId })}
      />
      <FilterSelect
        id="request-model-filter"
        label="Model"
        anyLabel="Any model"
        value={props.value.model}
        choices={(props.choices?.models.rows ?? []).map((r) => ({ value: r.key, label: r.key }))}
        onChange={(model) => set({ model })}
      />
      <FilterSelect
        id="request-status-filter"
        label="Show"
        anyLabel="All requests"
        value={props.value.status}
        choices={[
          { value: 'SUCCESS', label: 'Successful requests' },
          { value: 'ERROR', label: 'Failed requests' },
        ]}
        onChange={(status) => set({ status: status === 'SUCCESS' || status === 'ERROR' ? status : null })}
      />
      <FilterSelect
        id="request-error-filter"
        label="Error code"
        anyLabel="Any error code"
        value={props.value.errorCode}
        choices={(props.choices?.errors.rows ?? []).filter((r) => r.key !== '').map((r) => ({ value: r.key, label: r.key }))}
        onChange={(errorCode) => set({ errorCode })}
      />
    </>
  );
}
