import { createEffect, createSignal, on, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { FormDialog } from '../../components/FormDialog.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { KeyNameField, KeySettingsFields } from './KeySettingsFields.tsx';
import { createKeyDraftState } from './key-draft-state.ts';
import { KeyCacheField } from './KeyCacheField.tsx';
import { checkKeyEdit, editExpiryChoices, keyDraftFrom } from './key-edit.ts';
import type { KeyDraftField } from './key-form.ts';
import type { KeyRow, UpdateKeyInput } from './keys.graphql.ts';

/** Props of {@link EditKeyDialog}. */
export interface EditKeyDialogProps {
  /** The key being edited; null closes the dialog. */
  target: KeyRow | null;
  /** The organization's aliases; null when the viewer may not list them (the allow-list then stays as it is). */
  aliases: readonly string[] | null;
  busy: boolean;
  /** The server's refusal of the last save, shown in the dialog. */
  error: ErrorDescription | null;
  /** `input` holds only what changed; null = nothing to save. */
  onSave(input: UpdateKeyInput | null): void;
  onCancel(): void;
}

/**
 * Changes a key's name, expiry, allowed aliases and labels with the create form's fields. Where
 * the key lives is fixed (a key never moves between environments: spend history stays with it).
 */
export function EditKeyDialog(props: EditKeyDialogProps): JSX.Element {
  const state = createKeyDraftState();
  const [invalid, setInvalid] = createSignal<{ field: KeyDraftField; error: ErrorDescription } | null>(null);
  createEffect(
    on(
      () => props.target,
      (key) => {
        // A fresh draft from the stored key each time the dialog opens on one.
        if (key === null) return;
        state.reset(keyDraftFrom(key));
        setInvalid(null);
      },
    ),
  );
  // Aliases the key allows are offered even when the list has no such alias any more, so they can be unticked.
  const offered = (): string[] | null => {
    if (props.aliases === null) return null;
    return [...new Set([...props.aliases, ...(props.target?.allowedAliases ?? [])])].sort();
  };
  const submit = (): void => {
    const key = props.target;
    if (key === null) return;
    const checked = checkKeyEdit(state.draft(), key, Date.now());
    if (!checked.ok) {
      setInvalid({ field: checked.field, error: { message: checked.message, code: null } });
      return;
    }
    setInvalid(null);
    props.onSave(checked.input);
  };
  return (
    <FormDialog
      open={props.target !== null}
      titleId="edit-key-title"
      title={`Edit key “${props.target?.name ?? ''}”`}
      submitLabel="Save changes"
      busyLabel="Saving…"
      busy={props.busy}
      onSubmit={submit}
      onCancel={() => props.onCancel()}
      testId="edit-key-dialog"
    >
      <p class="help">
        {props.target?.project.name} / <strong>{props.target?.environment.name}</strong> of {props.target?.team.name}. Data planes apply the
        change with the next configuration snapshot.
      </p>
      <KeyNameField idPrefix="edit-key" state={state} invalidField={invalid()?.field ?? null} />
      <KeySettingsFields
        idPrefix="edit-key"
        state={state}
        expiryChoices={editExpiryChoices(props.target?.expiresAt ?? null)}
        aliases={offered()}
        invalidField={invalid()?.field ?? null}
      />
      <KeyCacheField target={props.target} />
      <ErrorBanner error={invalid()?.error ?? props.error} testId="edit-key-error" />
    </FormDialog>
  );
}
