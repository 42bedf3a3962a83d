import { Show, createEffect, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { formatCount } from '../../lib/format-number.ts';
import { parseLimit } from './limits-form.ts';
import type { RateLimitRow, RateLimitValues } from './limits.graphql.ts';

/** Props of {@link RateLimitEditor}. */
export interface RateLimitEditorProps {
  limit: RateLimitRow | null;
  canWrite: boolean;
  busy: boolean;
  error: ErrorDescription | null;
  onSave(values: RateLimitValues): void;
  onRemove(id: string): void;
  testId: string;
}

const FIELDS = [
  { key: 'requestsPerMinute', label: 'Requests per minute' },
  { key: 'tokensPerMinute', label: 'Tokens per minute' },
  { key: 'concurrentRequests', label: 'Concurrent requests' },
] as const;

/** A scope's rate limits, and for writers a form to set or remove them (blank = no limit). */
export function RateLimitEditor(props: RateLimitEditorProps): JSX.Element {
  const [texts, setTexts] = createSignal<Record<string, string>>({});
  const [invalid, setInvalid] = createSignal<ErrorDescription | null>(null);
  createEffect(() => {
    const limit = props.limit;
    setTexts(Object.fromEntries(FIELDS.map((f) => [f.key, limit?.[f.key] == null ? '' : String(limit[f.key])])));
  });
  const shown = (value: number | null | undefined): string => (value == null ? 'no limit' : formatCount(value));
  const save = (event: SubmitEvent): void => {
    event.preventDefault();
    const values: Record<string, number | null> = {};
    for (const field of FIELDS) {
      const checked = parseLimit(texts()[field.key] ?? '', field.label);
      if (!checked.ok) return void setInvalid({ message: checked.message, code: null });
      values[field.key] = checked.value;
    }
    if (Object.values(values).every((v) => v === null)) return void setInvalid({ message: 'Set at least one limit, or remove the limits.', code: null });
    setInvalid(null);
    props.onSave(values as unknown as RateLimitValues);
  };
  return (
    <section class="limits-block" data-testid={props.testId}>
      <h3>Rate limits</h3>
      <dl class="limit-list">
        {FIELDS.map((f) => (
          <>
            <dt>{f.label}</dt>
            <dd data-testid={`${props.testId}-${f.key}`}>{shown(props.limit?.[f.key])}</dd>
          </>
        ))}
      </dl>
      <Show when={props.canWrite}>
        <form class="form form-inline" novalidate onSubmit={save} data-testid={`${props.testId}-form`}>
          {FIELDS.map((f) => (
            <div class="field">
              <label for={`${props.testId}-${f.key}-input`}>{f.label}</label>
              <input
                id={`${props.testId}-${f.key}-input`}
                inputmode="numeric"
                autocomplete="off"
                placeholder="no limit"
                value={texts()[f.key] ?? ''}
                onInput={(event) => setTexts({ ...texts(), [f.key]: event.currentTarget.value })}
                data-testid={`${props.testId}-${f.key}-input`}
              />
            </div>
          ))}
          <button type="submit" class="button button-primary" disabled={props.busy} data-testid={`${props.testId}-save`}>
            Save limits
          </button>
          <Show when={props.limit}>
            {(limit) => (
              <button type="button" class="button button-danger" disabled={props.busy} onClick={() => props.onRemove(limit().id)} data-testid={`${props.testId}-remove`}>
                Remove limits
              </button>
            )}
          </Show>
          <ErrorBanner error={invalid() ?? props.error} testId={`${props.testId}-error`} />
        </form>
      </Show>
    </section>
  );
}
