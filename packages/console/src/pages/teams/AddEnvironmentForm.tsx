import { createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { checkEnvironmentName } from './tenancy-names.ts';

/** One-field form that names a new environment of a project; `onCreate` resolves null or the server's error. */
export function AddEnvironmentForm(props: {
  projectId: string;
  projectName: string;
  busy: boolean;
  onCreate(name: string): Promise<ErrorDescription | null>;
}): JSX.Element {
  const [name, setName] = createSignal('');
  const [error, setError] = createSignal<ErrorDescription | null>(null);
  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const checked = checkEnvironmentName(name());
    if (!checked.ok) {
      setError({ message: checked.message, code: null });
      return;
    }
    const failed = await props.onCreate(checked.name);
    setError(failed);
    if (failed === null) setName('');
  };
  const inputId = `add-env-${props.projectId}`;
  return (
    <form class="form form-inline form-compact" onSubmit={(event) => void submit(event)} novalidate>
      <label for={inputId} class="visually-hidden">
        New environment of {props.projectName}
      </label>
      <input
        id={inputId}
        type="text"
        autocomplete="off"
        spellcheck={false}
        placeholder="eu-staging"
        maxLength={63}
        value={name()}
        onInput={(event) => setName(event.currentTarget.value)}
        aria-invalid={error() !== null}
        data-testid={`add-environment-name-${props.projectId}`}
      />
      <button type="submit" class="button button-small" disabled={props.busy} data-testid={`add-environment-${props.projectId}`}>
        Add environment
      </button>
      <ErrorBanner error={error()} testId={`add-environment-error-${props.projectId}`} />
    </form>
  );
}
