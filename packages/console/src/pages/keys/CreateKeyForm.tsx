import { For, Show, createEffect, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import type { TeamOption } from './keys.graphql.ts';

/** Props of {@link CreateKeyForm}. */
export interface CreateKeyFormProps {
  teams: readonly TeamOption[];
  busy: boolean;
  error: ErrorDescription | null;
  /** Resolves true when the key was created, so the form can clear itself. */
  onCreate(input: { name: string; teamId: string | null }): Promise<boolean>;
}

/** Name and team for a new key. The team defaults to the one named `default`, else the first. */
export function CreateKeyForm(props: CreateKeyFormProps): JSX.Element {
  const [name, setName] = createSignal('');
  const [teamId, setTeamId] = createSignal('');
  const [nameError, setNameError] = createSignal<ErrorDescription | null>(null);

  createEffect(() => {
    if (teamId() !== '' && props.teams.some((team) => team.id === teamId())) return;
    const preferred = props.teams.find((team) => team.name === 'default') ?? props.teams[0];
    setTeamId(preferred?.id ?? '');
  });

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const trimmed = name().trim();
    if (trimmed === '') {
      setNameError({ message: 'Give the key a name, such as the app that will use it.', code: null });
      return;
    }
    setNameError(null);
    const created = await props.onCreate({ name: trimmed, teamId: teamId() === '' ? null : teamId() });
    if (created) setName('');
  };

  return (
    <form class="form form-inline" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="create-key-title">
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
          aria-invalid={nameError() !== null}
          data-testid="key-name-input"
        />
      </div>
      <div class="field">
        <label for="key-team">Team</label>
        <select
          id="key-team"
          name="key-team"
          onChange={(event) => setTeamId(event.currentTarget.value)}
          disabled={props.teams.length === 0}
          data-testid="key-team-select"
        >
          <Show when={props.teams.length === 0}>
            <option value="">Default team</option>
          </Show>
          <For each={props.teams}>
            {(team) => (
              <option value={team.id} selected={team.id === teamId()}>
                {team.name}
              </option>
            )}
          </For>
        </select>
      </div>
      <button type="submit" class="button button-primary" disabled={props.busy} data-testid="create-key-button">
        {props.busy ? 'Creating…' : 'Create key'}
      </button>
      <ErrorBanner error={nameError() ?? props.error} testId="create-key-error" />
    </form>
  );
}
