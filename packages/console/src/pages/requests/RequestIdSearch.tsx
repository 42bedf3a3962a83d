import { createEffect, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';

/** Props of {@link RequestIdSearch}. */
export interface RequestIdSearchProps {
  /** The id being shown, if any; the box follows it (a row opened from the table). */
  value: string | null;
  busy: boolean;
  onSearch(requestId: string): void;
}

/**
 * A box for the `x-request-id` a client or a support ticket quotes. Surrounding blanks and
 * quotes (copied from a header dump) are dropped; the control plane checks the shape.
 */
export function RequestIdSearch(props: RequestIdSearchProps): JSX.Element {
  const [text, setText] = createSignal(props.value ?? '');
  const [error, setError] = createSignal<ErrorDescription | null>(null);
  createEffect(() => setText(props.value ?? ''));

  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const id = text().trim().replace(/^["']|["']$/g, '');
    if (id === '') {
      setError({ message: 'Paste a request id, such as the x-request-id header of a response.', code: null });
      return;
    }
    setError(null);
    props.onSearch(id);
  };

  return (
    <form class="form form-inline" role="search" onSubmit={submit} novalidate aria-labelledby="request-search-title">
      <h2 id="request-search-title">Find a request</h2>
      <div class="field">
        <label for="request-id">Request id</label>
        <input
          id="request-id"
          name="request-id"
          type="search"
          autocomplete="off"
          spellcheck={false}
          placeholder="req_…"
          maxLength={200}
          size={40}
          value={text()}
          onInput={(event) => setText(event.currentTarget.value)}
          aria-invalid={error() !== null}
          data-testid="request-id-input"
        />
      </div>
      <button type="submit" class="button button-primary" disabled={props.busy} data-testid="request-search-button">
        {props.busy ? 'Searching…' : 'Find'}
      </button>
      <ErrorBanner error={error()} testId="request-search-error" />
    </form>
  );
}
