import { For, Show, type JSX } from 'solid-js';
import type { KeyDraftState } from './key-draft-state.ts';
import type { ExpiryChoice, KeyDraftField } from './key-form.ts';

/** What both parts of a key's settings fields take. */
interface FieldsProps {
  /** Prefix of the inputs' ids and test ids, unique per page (`key` on the create form, `edit-key` in the dialog). */
  idPrefix: string;
  state: KeyDraftState;
  /** The field a failed check named, marked aria-invalid. */
  invalidField: KeyDraftField | null;
}

/** The key's name. */
export function KeyNameField(props: FieldsProps): JSX.Element {
  return (
    <div class="field">
      <label for={`${props.idPrefix}-name`}>Name</label>
      <input
        id={`${props.idPrefix}-name`}
        name={`${props.idPrefix}-name`}
        type="text"
        autocomplete="off"
        required
        maxLength={200}
        value={props.state.name()}
        onInput={(event) => props.state.setName(event.currentTarget.value)}
        aria-invalid={props.invalidField === 'name'}
        data-testid={`${props.idPrefix}-name-input`}
      />
    </div>
  );
}

/** Props of {@link KeySettingsFields}. */
export interface KeySettingsFieldsProps extends FieldsProps {
  expiryChoices: ReadonlyArray<{ id: ExpiryChoice; label: string }>;
  /** Aliases for the allow-list; null when the viewer may not list them (the list then stays as it is). */
  aliases: readonly string[] | null;
}

/** When the key expires, which aliases it may call, and its labels. */
export function KeySettingsFields(props: KeySettingsFieldsProps): JSX.Element {
  const id = (field: string): string => `${props.idPrefix}-${field}`;
  return (
    <>
      <div class="field">
        <label for={id('expiry')}>Expires</label>
        <select id={id('expiry')} onChange={(event) => props.state.setExpiry(event.currentTarget.value as ExpiryChoice)} aria-invalid={props.invalidField === 'expiry'} data-testid={id('expiry-select')}>
          <For each={props.expiryChoices}>{(choice) => <option value={choice.id} selected={choice.id === props.state.expiry()}>{choice.label}</option>}</For>
        </select>
        <Show when={props.state.expiry() === 'custom'}>
          <label for={id('expiry-date')} class="visually-hidden">
            Expiry date
          </label>
          <input id={id('expiry-date')} type="date" value={props.state.expiryDate()} onInput={(event) => props.state.setExpiryDate(event.currentTarget.value)} data-testid={id('expiry-date')} />
        </Show>
      </div>
      <fieldset class="field field-wide" data-testid={id('aliases')}>
        <legend>Allowed aliases</legend>
        <Show when={props.aliases} fallback={<AliasesUnlisted chosen={props.state.aliases()} />}>
          {(aliases) => (
            <>
              <p class="help">None ticked: the key may call every alias.</p>
              <div class="checkbox-list">
                <For each={aliases()} fallback={<span class="muted">No aliases yet.</span>}>
                  {(alias) => (
                    <label class="checkbox">
                      <input
                        type="checkbox"
                        checked={props.state.aliases().includes(alias)}
                        onChange={(event) => props.state.toggleAlias(alias, event.currentTarget.checked)}
                        data-testid={id(`alias-${alias}`)}
                      />
                      {alias}
                    </label>
                  )}
                </For>
              </div>
            </>
          )}
        </Show>
      </fieldset>
      <fieldset class="field field-wide" data-testid={id('labels')}>
        <legend>Labels</legend>
        <For each={props.state.labels()}>
          {(row, index) => (
            <div class="label-row">
              <input
                type="text"
                aria-label={`Label ${index() + 1} key`}
                placeholder="cost-center"
                maxLength={64}
                value={row.key}
                onInput={(event) => props.state.setLabel(index(), { key: event.currentTarget.value })}
                aria-invalid={props.invalidField === 'labels'}
                data-testid={id(`label-key-${index()}`)}
              />
              <input
                type="text"
                aria-label={`Label ${index() + 1} value`}
                placeholder="42"
                maxLength={256}
                value={row.value}
                onInput={(event) => props.state.setLabel(index(), { value: event.currentTarget.value })}
                data-testid={id(`label-value-${index()}`)}
              />
              <button type="button" class="button button-small" onClick={() => props.state.removeLabel(index())} aria-label={`Remove label ${index() + 1}`} data-testid={id(`label-remove-${index()}`)}>
                Remove
              </button>
            </div>
          )}
        </For>
        <button type="button" class="button button-small" onClick={() => props.state.addLabel()} data-testid={`add-${props.idPrefix}-label`}>
          Add label
        </button>
      </fieldset>
    </>
  );
}

/** The allow-list when the viewer may not list the organization's aliases: said, not editable. */
function AliasesUnlisted(props: { chosen: readonly string[] }): JSX.Element {
  return (
    <p class="help">
      {props.chosen.length === 0 ? 'Every alias' : `Only ${props.chosen.join(', ')}`} (you may not list the organization's aliases).
    </p>
  );
}
