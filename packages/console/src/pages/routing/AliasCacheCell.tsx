import { createSignal, Show, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { createSubmission } from '../../graphql/create-submission.ts';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { formatCacheTtl, parseCacheTtl } from '../../lib/cache-ttl.ts';
import { SetAliasResponseCacheMutation, type ModelAliasRow } from './routing.graphql.ts';

/**
 * An alias's exact-match response cache: its lifetime and whether streams with tools are cached,
 * editable in place by org config writers (the page refetches through the ModelAlias typename).
 */
export function AliasCacheCell(props: { alias: ModelAliasRow; canWrite: boolean }): JSX.Element {
  const save = createSubmission(SetAliasResponseCacheMutation, 'The response cache was not changed.', () => {});
  const [ttl, setTtl] = createSignal(props.alias.responseCacheTtlSeconds === null ? '' : String(props.alias.responseCacheTtlSeconds));
  const [toolStreams, setToolStreams] = createSignal(props.alias.responseCacheToolStreams);
  const [invalid, setInvalid] = createSignal<ErrorDescription | null>(null);
  const id = `cache-${props.alias.id}`;
  const submit = async (): Promise<void> => {
    const parsed = parseCacheTtl(ttl());
    if (!parsed.ok) return void setInvalid({ message: parsed.message, code: null });
    setInvalid(null);
    await save.run({ aliasId: props.alias.id, ttlSeconds: parsed.ttlSeconds, cacheToolStreams: toolStreams() });
  };
  return (
    <Show when={props.canWrite} fallback={<span data-testid={`cache-of-${props.alias.alias}`}>{formatCacheTtl(props.alias.responseCacheTtlSeconds)}</span>}>
      <div class="cell-form" data-testid={`cache-of-${props.alias.alias}`}>
        <label for={`${id}-ttl`}>Seconds (empty = off)</label>
        <input id={`${id}-ttl`} inputmode="numeric" size={7} value={ttl()} onInput={(event) => setTtl(event.currentTarget.value)} data-testid={`cache-ttl-${props.alias.alias}`} />
        <label>
          <input type="checkbox" checked={toolStreams()} onChange={(event) => setToolStreams(event.currentTarget.checked)} /> streams with tools
        </label>
        <button type="button" class="button button-small" disabled={save.busy()} onClick={() => void submit()} data-testid={`cache-save-${props.alias.alias}`}>
          Save
        </button>
        <ErrorBanner error={invalid() ?? save.error()} testId={`cache-error-${props.alias.alias}`} />
      </div>
    </Show>
  );
}
