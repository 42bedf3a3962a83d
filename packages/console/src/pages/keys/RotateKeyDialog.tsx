import { For, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { FormDialog } from '../../components/FormDialog.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { GRACE_PERIODS } from './key-form.ts';
import type { KeyRow } from './keys.graphql.ts';

/** Asks how long the old secret keeps working, then rotates; the new secret is shown once by the page. */
export function RotateKeyDialog(props: {
  target: KeyRow | null;
  busy: boolean;
  error: ErrorDescription | null;
  onConfirm(gracePeriodSeconds: number): void;
  onCancel(): void;
}): JSX.Element {
  const [grace, setGrace] = createSignal<number>(86_400);
  return (
    <FormDialog
      open={props.target !== null}
      titleId="rotate-key-title"
      title={`Rotate key “${props.target?.name ?? ''}”?`}
      submitLabel="Rotate key"
      busyLabel="Rotating…"
      busy={props.busy}
      onSubmit={() => props.onConfirm(grace())}
      onCancel={() => props.onCancel()}
      testId="rotate-dialog"
    >
      <p>A new secret is made now. Apps still using the old one keep working for the grace period, then are refused.</p>
      <label for="rotate-grace">Old secret keeps working for</label>
      <select id="rotate-grace" onChange={(event) => setGrace(Number(event.currentTarget.value))} data-testid="rotate-grace">
        <For each={GRACE_PERIODS}>{(p) => <option value={p.seconds} selected={p.seconds === grace()}>{p.label}</option>}</For>
      </select>
      <ErrorBanner error={props.error} testId="rotate-error" />
    </FormDialog>
  );
}
