import type { JSX } from 'solid-js';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import type { KeyRow } from './keys.graphql.ts';

/** Asks before revoking: a revoked key cannot be restored, and apps using it fail at once. */
export function RevokeKeyDialog(props: {
  target: KeyRow | null;
  busy: boolean;
  error: ErrorDescription | null;
  onConfirm(): void;
  onCancel(): void;
}): JSX.Element {
  return (
    <ConfirmDialog
      open={props.target !== null}
      title="Revoke this key?"
      confirmLabel="Revoke key"
      busy={props.busy}
      onConfirm={() => props.onConfirm()}
      onCancel={() => props.onCancel()}
      testId="revoke-dialog"
    >
      <p>
        Key <strong>{props.target?.name}</strong> (<code>{props.target?.prefix}…</code>) stops working for every app
        that uses it. This cannot be undone.
      </p>
      <ErrorBanner error={props.error} testId="revoke-error" />
    </ConfirmDialog>
  );
}
