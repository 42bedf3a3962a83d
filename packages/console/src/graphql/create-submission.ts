import type { AnyVariables, TypedDocumentNode } from '@urql/core';
import { createMutation } from '@urql/solid';
import { createSignal, type Accessor } from 'solid-js';
import { describeError, type ErrorDescription } from './describe-error.ts';

/** One mutation as a form drives it: busy while in flight, the server's error, a run that says if it worked. */
export interface Submission<Variables> {
  busy: Accessor<boolean>;
  error: Accessor<ErrorDescription | null>;
  clearError(): void;
  /** Runs the mutation; resolves true on success, after `onSuccess`. */
  run(variables: Variables): Promise<boolean>;
}

/** A {@link Submission} whose caller also needs the answer (a secret shown once, a set-up link). */
export interface DataSubmission<Data, Variables> extends Submission<Variables> {
  /** Runs the mutation; resolves its data on success (after `onSuccess`), null on failure. */
  submit(variables: Variables): Promise<Data | null>;
}

/**
 * Wraps a mutation for a page's forms and dialogs. On failure the server's message
 * and code are kept for an ErrorBanner next to the form; on success `onSuccess` runs (the page
 * refetches so its tables show the server's state, not a local guess).
 * @example const create = createSubmission(CreateProviderMutation, 'The provider was not created.', refresh);
 */
export function createSubmission<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  fallbackMessage: string,
  onSuccess: () => void,
): DataSubmission<Data, Variables> {
  const [state, execute] = createMutation(document);
  const [error, setError] = createSignal<ErrorDescription | null>(null);
  const submit = async (variables: Variables): Promise<Data | null> => {
    setError(null);
    const result = await execute(variables);
    if (result.error !== undefined || result.data === undefined || result.data === null) {
      setError(result.error === undefined ? { message: fallbackMessage, code: null } : describeError(result.error));
      return null;
    }
    onSuccess();
    return result.data;
  };
  return {
    busy: () => state.fetching,
    error,
    clearError: () => setError(null),
    submit,
    run: async (variables) => (await submit(variables)) !== null,
  };
}
