import { For, Show, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import type { TeamNode } from '../teams/teams.graphql.ts';
import { KeyNameField, KeySettingsFields } from './KeySettingsFields.tsx';
import { EMPTY_KEY_SETTINGS, createKeyDraftState } from './key-draft-state.ts';
import { EXPIRY_CHOICES, checkKeyDraft, completePlacement, type KeyDraftField, type KeyPlacement } from './key-form.ts';
import type { CreateKeyInput } from './keys.graphql.ts';

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
  const state = createKeyDraftState();
  const [chosen, setChosen] = createSignal<Partial<KeyPlacement>>({});
  const [invalid, setInvalid] = createSignal<{ field: KeyDraftField; error: ErrorDescription } | null>(null);

  const placement = (): KeyPlacement => completePlacement(props.teams, chosen());
  const team = () => props.teams.find((t) => t.id === placement().teamId);
  const project = () => team()?.projects.find((p) => p.id === placement().projectId);

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const checked = checkKeyDraft({ ...state.draft(), environmentId: placement().environmentId }, Date.now());
    if (!checked.ok) {
      setInvalid({ field: checked.field, error: { message: checked.message, code: null } });
      return;
    }
    setInvalid(null);
    if (await props.onCreate(checked.input)) state.reset(EMPTY_KEY_SETTINGS);
  };

  return (
    <form class="form form-grid" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="create-key-title" data-testid="create-key-form">
      <h2 id="create-key-title">Create a key</h2>
      <KeyNameField idPrefix="key" state={state} invalidField={invalid()?.field ?? null} />
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
      <KeySettingsFields idPrefix="key" state={state} expiryChoices={EXPIRY_CHOICES} aliases={props.aliases} invalidField={invalid()?.field ?? null} />
      <button type="submit" class="button button-primary" disabled={props.busy} data-testid="create-key-button">
        {props.busy ? 'Creating…' : 'Create key'}
      </button>
      <ErrorBanner error={invalid()?.error ?? props.error} testId="create-key-error" />
    </form>
  );
}
