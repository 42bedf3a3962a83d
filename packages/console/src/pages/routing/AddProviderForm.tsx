import { For, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { PROVIDER_TYPES } from './provider-types.ts';
import type { ProviderType } from './routing.graphql.ts';

/** What {@link AddProviderForm} submits; empty optional fields are null. */
export interface NewProvider {
  name: string;
  type: ProviderType;
  baseUrl: string | null;
  credential: string | null;
}

/** Props of {@link AddProviderForm}. */
export interface AddProviderFormProps {
  busy: boolean;
  error: ErrorDescription | null;
  /** Resolves true when the provider was created, so the form clears itself. */
  onCreate(input: NewProvider): Promise<boolean>;
}

type Field = 'name' | 'baseUrl';

/**
 * Name, type, base URL and credential of a new upstream account. The credential is a password
 * input and is dropped from memory once sent: the control plane stores it sealed and never
 * returns it.
 */
export function AddProviderForm(props: AddProviderFormProps): JSX.Element {
  const [name, setName] = createSignal('');
  const [type, setType] = createSignal<ProviderType>('OPENAI');
  const [baseUrl, setBaseUrl] = createSignal('');
  const [credential, setCredential] = createSignal('');
  const [check, setCheck] = createSignal<{ field: Field; error: ErrorDescription } | null>(null);
  const baseUrlRequired = (): boolean => type() === 'OPENAI_COMPATIBLE';

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const input: NewProvider = {
      name: name().trim(),
      type: type(),
      baseUrl: baseUrl().trim() === '' ? null : baseUrl().trim(),
      credential: credential() === '' ? null : credential(),
    };
    if (input.name === '') {
      setCheck({ field: 'name', error: { message: 'Give the provider a name, such as openai-prod.', code: null } });
      return;
    }
    if (baseUrlRequired() && input.baseUrl === null) {
      setCheck({ field: 'baseUrl', error: { message: 'An OpenAI-compatible provider needs a base URL, such as http://vllm:8000/v1.', code: null } });
      return;
    }
    setCheck(null);
    if (await props.onCreate(input)) {
      setName('');
      setBaseUrl('');
      setCredential('');
    }
  };

  return (
    <form class="form form-inline" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="add-provider-title" data-testid="add-provider-form">
      <h3 id="add-provider-title">Add provider</h3>
      <div class="field">
        <label for="provider-name">Name</label>
        <input
          id="provider-name"
          type="text"
          autocomplete="off"
          required
          maxLength={100}
          value={name()}
          onInput={(event) => setName(event.currentTarget.value)}
          aria-invalid={check()?.field === 'name'}
          data-testid="provider-name-input"
        />
      </div>
      <div class="field">
        <label for="provider-type">Type</label>
        <select id="provider-type" onChange={(event) => setType(event.currentTarget.value as ProviderType)} data-testid="provider-type-select">
          <For each={PROVIDER_TYPES}>
            {(option) => (
              <option value={option.type} selected={option.type === type()}>
                {option.label}
              </option>
            )}
          </For>
        </select>
      </div>
      <div class="field field-wide">
        <label for="provider-base-url">
          Base URL{baseUrlRequired() ? ' (required)' : ''}
        </label>
        <input
          id="provider-base-url"
          type="url"
          inputMode="url"
          autocomplete="off"
          spellcheck={false}
          required={baseUrlRequired()}
          placeholder={baseUrlRequired() ? 'http://vllm:8000/v1' : 'Default endpoint'}
          value={baseUrl()}
          onInput={(event) => setBaseUrl(event.currentTarget.value)}
          aria-invalid={check()?.field === 'baseUrl'}
          aria-describedby="provider-base-url-help"
          data-testid="provider-base-url-input"
        />
        <span id="provider-base-url-help" class="help" data-testid="provider-base-url-help">
          {baseUrlRequired()
            ? 'Required: the server’s OpenAI-style root, ending before /chat/completions.'
            : 'Leave empty for the provider’s standard endpoint.'}
        </span>
      </div>
      <div class="field">
        <label for="provider-credential">API key</label>
        <input
          id="provider-credential"
          type="password"
          autocomplete="new-password"
          spellcheck={false}
          maxLength={4096}
          value={credential()}
          onInput={(event) => setCredential(event.currentTarget.value)}
          aria-describedby="provider-credential-help"
          data-testid="provider-credential-input"
        />
        <span id="provider-credential-help" class="help">
          Stored encrypted, never shown again. Optional.
        </span>
      </div>
      <button type="submit" class="button button-primary" disabled={props.busy} data-testid="add-provider-button">
        {props.busy ? 'Adding…' : 'Add provider'}
      </button>
      <ErrorBanner error={check()?.error ?? props.error} testId="add-provider-error" />
    </form>
  );
}
