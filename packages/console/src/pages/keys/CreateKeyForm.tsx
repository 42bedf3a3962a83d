import { For, Show, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import type { TeamNode } from '../teams/teams.graphql.ts';
import { EXPIRY_CHOICES, checkKeyDraft, completePlacement, type ExpiryChoice, type KeyDraftField, type KeyPlacement } from './key-form.ts';
import type { CreateKeyInput, KeyLabel } from './keys.graphql.ts';

/** Props of {@link CreateKeyForm}. */
export interface CreateKeyFormProps {
  /** Teams the viewer may create keys in, with their projects and environments. */
  teams: readonly TeamNode[];
  /** Aliases for the allow-list; null when the viewer may not list them (the key then allows all). */
  aliases: readonly string[] | null;
  busy: boolean;
  error: ErrorDescription | null;
  /** Resolves true when the key was created, so the form can clear itself. */
  onCreate(input: CreateKeyInput): Promise<boolean>;
}

/**
 * A new key: name, where it lives (team → project → environment; by default the first team
 * listed, its `default` project and `production`), when it expires, which aliases it may call
 * and its labels.
 */
export function CreateKeyForm(props: CreateKeyFormProps): JSX.Element {
  const [name, setName] = createSignal('');
  const [chosen, setChosen] = createSignal<Partial<KeyPlacement>>({});
  const [expiry, setExpiry] = createSignal<ExpiryChoice>('never');
  const [expiryDate, setExpiryDate] = createSignal('');
  const [aliases, setAliases] = createSignal<string[]>([]);
  const [labels, setLabels] = createSignal<KeyLabel[]>([]);
  const [invalid, setInvalid] = createSignal<{ field: KeyDraftField; error: ErrorDescription } | null>(null);

  const placement = (): KeyPlacement => completePlacement(props.teams, chosen());
  const team = () => props.teams.find((t) => t.id === placement().teamId);
  const project = () => team()?.projects.find((p) => p.id === placement().projectId);

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const checked = checkKeyDraft(
      { name: name(), environmentId: placement().environmentId, expiry: expiry(), expiryDate: expiryDate(), allowedAliases: aliases(), labels: labels() },
      Date.now(),
    );
    if (!checked.ok) {
      setInvalid({ field: checked.field, error: { message: checked.message, code: null } });
      return;
    }
    setInvalid(null);
    if (await props.onCreate(checked.input)) {
      setName('');
      setLabels([]);
      setAliases([]);
      setExpiry('never');
    }
  };

  const toggleAlias = (alias: string, on: boolean): void => {
    setAliases((list) => (on ? [...list, alias] : list.filter((a) => a !== alias)));
  };
  const setLabel = (index: number, patch: Partial<KeyLabel>): void => {
    setLabels((rows) => rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  };

  return (
    <form class="form form-grid" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="create-key-title" data-testid="create-key-form">
      <h2 id="create-key-title">Create a key</h2>
      <div class="field">
        <label for="key-name">Name</label>
        <input
          id="key-name"
          name="key-name"
          type="text"
          autocomplete="off"
          required
          maxLength={200}
          value={name()}
          onInput={(event) => setName(event.currentTarget.value)}
          aria-invalid={invalid()?.field === 'name'}
          data-testid="key-name-input"
        />
      </div>
      <div class="field">
        <label for="key-team">Team</label>
        <select id="key-team" onChange={(event) => setChosen({ teamId: event.currentTarget.value })} disabled={props.teams.length === 0} data-testid="key-team-select">
          <Show when={props.teams.length === 0}>
            <option value="">Default team</option>
          </Show>
          <For each={props.teams}>{(t) => <option value={t.id} selected={t.id === placement().teamId}>{t.name}</option>}</For>
        </select>
      </div>
      <div class="field">
        <label for="key-project">Project</label>
        <select
          id="key-project"
          onChange={(event) => setChosen({ teamId: placement().teamId, projectId: event.currentTarget.value })}
          disabled={(team()?.projects.length ?? 0) === 0}
          data-testid="key-project-select"
        >
          <For each={team()?.projects ?? []}>{(p) => <option value={p.id} selected={p.id === placement().projectId}>{p.name}</option>}</For>
        </select>
      </div>
      <div class="field">
        <label for="key-environment">Environment</label>
        <select
          id="key-environment"
          onChange={(event) => setChosen({ ...placement(), environmentId: event.currentTarget.value })}
          disabled={(project()?.environments.length ?? 0) === 0}
          aria-invalid={invalid()?.field === 'environment'}
          data-testid="key-environment-select"
        >
          <For each={project()?.environments ?? []}>{(e) => <option value={e.id} selected={e.id === placement().environmentId}>{e.name}</option>}</For>
        </select>
      </div>
      <div class="field">
        <label for="key-expiry">Expires</label>
        <select id="key-expiry" onChange={(event) => setExpiry(event.currentTarget.value as ExpiryChoice)} aria-invalid={invalid()?.field === 'expiry'} data-testid="key-expiry-select">
          <For each={EXPIRY_CHOICES}>{(choice) => <option value={choice.id} selected={choice.id === expiry()}>{choice.label}</option>}</For>
        </select>
        <Show when={expiry() === 'custom'}>
          <label for="key-expiry-date" class="visually-hidden">
            Expiry date
          </label>
          <input id="key-expiry-date" type="date" value={expiryDate()} onInput={(event) => setExpiryDate(event.currentTarget.value)} data-testid="key-expiry-date" />
        </Show>
      </div>
      <fieldset class="field field-wide" data-testid="key-aliases">
        <legend>Allowed aliases</legend>
        <Show when={props.aliases !== null} fallback={<p class="help">Every alias (you may not list the organization's aliases).</p>}>
          <p class="help">None ticked: the key may call every alias.</p>
          <div class="checkbox-list">
            <For each={props.aliases ?? []} fallback={<span class="muted">No aliases yet.</span>}>
              {(alias) => (
                <label class="checkbox">
                  <input type="checkbox" checked={aliases().includes(alias)} onChange={(event) => toggleAlias(alias, event.currentTarget.checked)} data-testid={`key-alias-${alias}`} />
                  {alias}
                </label>
              )}
            </For>
          </div>
        </Show>
      </fieldset>
      <fieldset class="field field-wide" data-testid="key-labels">
        <legend>Labels</legend>
        <For each={labels()}>
          {(row, index) => (
            <div class="label-row">
              <input
                type="text"
                aria-label={`Label ${index() + 1} key`}
                placeholder="cost-center"
                maxLength={64}
                value={row.key}
                onInput={(event) => setLabel(index(), { key: event.currentTarget.value })}
                aria-invalid={invalid()?.field === 'labels'}
                data-testid={`key-label-key-${index()}`}
              />
              <input
                type="text"
                aria-label={`Label ${index() + 1} value`}
                placeholder="42"
                maxLength={256}
                value={row.value}
                onInput={(event) => setLabel(index(), { value: event.currentTarget.value })}
                data-testid={`key-label-value-${index()}`}
              />
              <button type="button" class="button button-small" onClick={() => setLabels((rows) => rows.filter((_, i) => i !== index()))} aria-label={`Remove label ${index() + 1}`}>
                Remove
              </button>
            </div>
          )}
        </For>
        <button type="button" class="button button-small" onClick={() => setLabels((rows) => [...rows, { key: '', value: '' }])} data-testid="add-key-label">
          Add label
        </button>
      </fieldset>
      <button type="submit" class="button button-primary" disabled={props.busy} data-testid="create-key-button">
        {props.busy ? 'Creating…' : 'Create key'}
      </button>
      <ErrorBanner error={invalid()?.error ?? props.error} testId="create-key-error" />
    </form>
  );
}
