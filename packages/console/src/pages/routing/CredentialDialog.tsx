import { createEffect, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { FormDialog } from '../../components/FormDialog.tsx';
import type { ProviderRow } from './routing.graphql.ts';

/** Props of {@link CredentialDialog}. */
export interface CredentialDialogProps {
  /** The provider whose credential is being rotated; null closes the dialog. */
  target: ProviderRow | null;
  busy: boolean;
  error: ErrorDescription | null;
  onRotate(credential: string): void;
  onCancel(): void;
}

/**
 * Rotates a provider's API key. The new key is typed into a password input and cleared when
 * the dialog closes, so it does not linger in the page after it was sent.
 */
export function CredentialDialog(props: CredentialDialogProps): JSX.Element {
  const [credential, setCredential] = createSignal('');
  const [checkError, setCheckError] = createSignal<ErrorDescription | null>(null);
  createEffect(() => {
    if (props.target === null) {
      setCredential('');
      setCheckError(null);
    }
  });
  const submit = (): void => {
    if (credential().trim() === '') {
      setCheckError({ message: 'Paste the new API key. To remove the key instead, use “Remove credential”.', code: null });
      return;
    }
    setCheckError(null);
    props.onRotate(credential());
  };
  return (
    <FormDialog
      open={props.target !== null}
      titleId="rotate-credential-title"
      title={`Rotate the API key of ${props.target?.name ?? ''}`}
      submitLabel="Rotate credential"
      busyLabel="Rotating…"
      busy={props.busy}
      onSubmit={submit}
      onCancel={() => props.onCancel()}
      testId="rotate-dialog"
    >
      <p>
        Data planes switch to the new key with the next configuration snapshot. The old key is replaced and cannot be
        shown again.
      </p>
      <div class="field">
        <label for="rotate-credential-input">New API key</label>
        <input
          id="rotate-credential-input"
          type="password"
          autocomplete="new-password"
          spellcheck={false}
          maxLength={4096}
          value={credential()}
          onInput={(event) => setCredential(event.currentTarget.value)}
          aria-invalid={checkError() !== null}
          data-testid="rotate-credential-input"
        />
      </div>
      <ErrorBanner error={checkError() ?? props.error} testId="rotate-error" />
    </FormDialog>
  );
}
