import { For, Show, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { PROVIDER_TYPES } from './provider-types.ts';
import type { ProviderHeader, ProviderHttp2, ProviderPresetRow, ProviderType } from './routing.graphql.ts';
import { formatHeaderLines, parseHeaderLines } from './header-lines.ts';

/** What {@link AddProviderForm} submits; empty optional fields are null. */
export interface NewProvider {
  name: string;
  type: ProviderType;
  baseUrl: string | null;
  credential: string | null;
  /** Azure OpenAI only; null = the default. */
  apiVersion: string | null;
  extraHeaders: ProviderHeader[];
  /** AUTO: HTTP/2 when the upstream offers it over TLS; OFF: HTTP/1.1 only. */
  http2: ProviderHttp2;
}

/** Props of {@link AddProviderForm}. */
export interface AddProviderFormProps {
  /** Vendors whose settings the form can fill in (Azure OpenAI, Groq, OpenRouter, Ollama, …). */
  presets: readonly ProviderPresetRow[];
  busy: boolean;
  error: ErrorDescription | null;
  /** Resolves true when the provider was created, so the form clears itself. */
  onCreate(input: NewProvider): Promise<boolean>;
}

type Field = 'name' | 'baseUrl' | 'extraHeaders';

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
  const [apiVersion, setApiVersion] = createSignal('');
  const [headerLines, setHeaderLines] = createSignal('');
  const [http2, setHttp2] = createSignal<ProviderHttp2>('OFF');
  const [preset, setPreset] = createSignal<ProviderPresetRow | null>(null);
  const [check, setCheck] = createSignal<{ field: Field; error: ErrorDescription } | null>(null);
  const baseUrlRequired = (): boolean => type() === 'OPENAI_COMPATIBLE' || type() === 'AZURE_OPENAI';

  /** A preset fills the form; every field stays editable and nothing of the preset itself is stored. */
  const applyPreset = (id: string): void => {
    const chosen = props.presets.find((p) => p.id === id) ?? null;
    setPreset(chosen);
    if (chosen === null) return;
    setType(chosen.type);
    setBaseUrl(chosen.baseUrl);
    setApiVersion(chosen.apiVersion ?? '');
    setHeaderLines(formatHeaderLines(chosen.extraHeaders));
    if (name().trim() === '') setName(chosen.id);
  };

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const headers = parseHeaderLines(headerLines());
    if (!headers.ok) {
      setCheck({ field: 'extraHeaders', error: { message: headers.error, code: null } });
      return;
    }
    const input: NewProvider = {
      name: name().trim(),
      type: type(),
      baseUrl: baseUrl().trim() === '' ? null : baseUrl().trim(),
      credential: credential() === '' ? null : credential(),
      apiVersion: type() === 'AZURE_OPENAI' && apiVersion().trim() !== '' ? apiVersion().trim() : null,
      extraHeaders: headers.headers,
      http2: http2(),
    };
    if (input.name === '') {
      setCheck({ field: 'name', error: { message: 'Give the provider a name, such as openai-prod.', code: null } });
      return;
    }
    if (baseUrlRequired() && input.baseUrl === null) {
      const example = type() === 'AZURE_OPENAI' ? 'https://my-resource.openai.azure.com' : 'http://vllm:8000/v1';
      setCheck({ field: 'baseUrl', error: { message: `This provider type needs a base URL, such as ${example}.`, code: null } });
      return;
    }
    setCheck(null);
    if (await props.onCreate(input)) {
      setName('');
      setBaseUrl('');
      setCredential('');
      setApiVersion('');
      setHeaderLines('');
      setHttp2('OFF');
      setPreset(null);
    }
  };

  return (
    <form class="form form-inline" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="add-provider-title" data-testid="add-provider-form">
      <h3 id="add-provider-title">Add provider</h3>
      <div class="field">
        <label for="provider-preset">Preset</label>
        <select id="provider-preset" onChange={(event) => applyPreset(event.currentTarget.value)} aria-describedby="provider-preset-help" data-testid="provider-preset-select">
          <option value="" selected={preset() === null}>
            None
          </option>
          <For each={props.presets}>
            {(option) => (
              <option value={option.id} selected={preset()?.id === option.id}>
                {option.label}
              </option>
            )}
          </For>
        </select>
        <span id="provider-preset-help" class="help" data-testid="provider-preset-note">
          {preset() === null
            ? 'Fills type, base URL and headers for a known vendor.'
            : `${preset()!.note}${preset()!.local ? ' Local address: the provider URL policy must allow private addresses.' : ''}`}
        </span>
      </div>
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
          placeholder={type() === 'AZURE_OPENAI' ? 'https://my-resource.openai.azure.com' : baseUrlRequired() ? 'http://vllm:8000/v1' : 'Default endpoint'}
          value={baseUrl()}
          onInput={(event) => setBaseUrl(event.currentTarget.value)}
          aria-invalid={check()?.field === 'baseUrl'}
          aria-describedby="provider-base-url-help"
          data-testid="provider-base-url-input"
        />
        <span id="provider-base-url-help" class="help" data-testid="provider-base-url-help">
          {type() === 'AZURE_OPENAI'
            ? 'Required: the resource endpoint. Routes name the Azure deployment as their upstream model.'
            : baseUrlRequired()
              ? 'Required: the server’s OpenAI-style root, ending before /chat/completions.'
              : 'Leave empty for the provider’s standard endpoint.'}
        </span>
      </div>
      <Show when={type() === 'AZURE_OPENAI'}>
        <div class="field">
          <label for="provider-api-version">API version</label>
          <input
            id="provider-api-version"
            type="text"
            autocomplete="off"
            spellcheck={false}
            placeholder="2024-10-21"
            value={apiVersion()}
            onInput={(event) => setApiVersion(event.currentTarget.value)}
            data-testid="provider-api-version-input"
          />
        </div>
      </Show>
      <div class="field field-wide">
        <label for="provider-headers">Extra headers</label>
        <textarea
          id="provider-headers"
          rows={2}
          spellcheck={false}
          placeholder="X-Title: My app"
          value={headerLines()}
          onInput={(event) => setHeaderLines(event.currentTarget.value)}
          aria-invalid={check()?.field === 'extraHeaders'}
          aria-describedby="provider-headers-help"
          data-testid="provider-headers-input"
        />
        <span id="provider-headers-help" class="help">
          One “Name: value” per line, sent with every request. Not for secrets: they are shown here and in the audit trail.
        </span>
      </div>
      <div class="field">
        <label for="provider-http2">HTTP/2</label>
        <select id="provider-http2" onChange={(event) => setHttp2(event.currentTarget.value as ProviderHttp2)} aria-describedby="provider-http2-help" data-testid="provider-http2-select">
          <option value="OFF" selected={http2() === 'OFF'}>
            Off
          </option>
          <option value="AUTO" selected={http2() === 'AUTO'}>
            Auto
          </option>
        </select>
        <span id="provider-http2-help" class="help">
          Off: HTTP/1.1. Auto: many streams share one connection when the upstream offers HTTP/2 over TLS (less memory), but an upstream that closes the connection (GOAWAY) ends all of them.
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
