import { createEffect, createSignal, on, Show, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { createSubmission } from '../../graphql/create-submission.ts';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { parseCacheTtl } from '../../lib/cache-ttl.ts';
import { SetKeyResponseCacheMutation, type KeyRow } from './keys.graphql.ts';

type Mode = 'alias' | 'never' | 'own';

const modeOf = (ttl: number | null): Mode => (ttl === null ? 'alias' : ttl === 0 ? 'never' : 'own');

/**
 * A key's response cache choice, saved on its own (setKeyResponseCache): follow the aliases'
 * setting, never cache, or cache its own answers for a lifetime of its own.
 */
export function KeyCacheField(props: { target: KeyRow | null }): JSX.Element {
  const save = createSubmission(SetKeyResponseCacheMutation, 'The response cache choice was not saved.', () => {});
  const [mode, setMode] = createSignal<Mode>('alias');
  const [ttl, setTtl] = createSignal('');
  const [invalid, setInvalid] = createSignal<ErrorDescription | null>(null);
  createEffect(
    on(
      () => props.target,
      (key) => {
        if (key === null) return;
        setMode(modeOf(key.responseCacheTtlSeconds));
        setTtl(key.responseCacheTtlSeconds ? String(key.responseCacheTtlSeconds) : '');
        setInvalid(null);
      },
    ),
  );
  const submit = async (): Promise<void> => {
    const key = props.target;
    if (key === null) return;
    let ttlSeconds: number | null = mode() === 'never' ? 0 : null;
    if (mode() === 'own') {
      const parsed = parseCacheTtl(ttl());
      if (!parsed.ok || parsed.ttlSeconds === null) return void setInvalid({ message: parsed.ok ? 'Give the lifetime in seconds.' : parsed.message, code: null });
      ttlSeconds = parsed.ttlSeconds;
    }
    setInvalid(null);
    await save.run({ id: key.id, ttlSeconds });
  };
  return (
    <fieldset class="field" data-testid="key-cache-field">
      <legend>Response cache</legend>
      <select value={mode()} onChange={(event) => setMode(event.currentTarget.value as Mode)} aria-label="Response cache" data-testid="key-cache-mode">
        <option value="alias">As the alias says (shared in the organization)</option>
        <option value="never">Never cache this key’s requests</option>
        <option value="own">Cache this key’s requests, privately</option>
      </select>
      <Show when={mode() === 'own'}>
        <input inputmode="numeric" size={7} value={ttl()} onInput={(event) => setTtl(event.currentTarget.value)} aria-label="Cache lifetime in seconds" data-testid="key-cache-ttl" /> seconds
      </Show>
      <button type="button" class="button button-small" disabled={save.busy()} onClick={() => void submit()} data-testid="key-cache-save">
        Save cache choice
      </button>
      <ErrorBanner error={invalid() ?? save.error()} testId="key-cache-error" />
    </fieldset>
  );
}
