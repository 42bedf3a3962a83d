import { createEffect, type JSX } from 'solid-js';

/** Props of {@link ConfirmDialog}. */
export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: JSX.Element;
  confirmLabel: string;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
  testId?: string;
}

/**
 * A modal confirmation on the native `<dialog>`, which gives focus trapping, Escape to cancel
 * and an inert page behind it without a library. Cancel gets the initial focus so Enter does
 * not confirm a destructive action by accident.
 */
export function ConfirmDialog(props: ConfirmDialogProps): JSX.Element {
  let dialog: HTMLDialogElement | undefined;
  let cancelButton: HTMLButtonElement | undefined;
  createEffect(() => {
    if (dialog === undefined) return;
    if (props.open && !dialog.open) {
      dialog.showModal();
      cancelButton?.focus();
    } else if (!props.open && dialog.open) {
      dialog.close();
    }
  });
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="confirm-dialog-title"
      data-testid={props.testId}
      onCancel={(event) => {
        event.preventDefault();
        if (!props.busy) props.onCancel();
      }}
    >
      <h2 id="confirm-dialog-title">{props.title}</h2>
      <div class="dialog-body">{props.children}</div>
      <div class="dialog-actions">
        <button type="button" class="button" ref={cancelButton} disabled={props.busy} onClick={() => props.onCancel()}>
          Cancel
        </button>
        <button
          type="button"
          class="button button-danger"
          disabled={props.busy}
          onClick={() => props.onConfirm()}
          data-testid={props.testId === undefined ? undefined : `${props.testId}-confirm`}
        >
          {props.busy ? 'Working…' : props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
