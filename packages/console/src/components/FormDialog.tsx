import { createEffect, type JSX } from 'solid-js';

/** Props of {@link FormDialog}. */
export interface FormDialogProps {
  open: boolean;
  /** Unique per page: the dialog is labelled by its title element. */
  titleId: string;
  title: string;
  submitLabel: string;
  busyLabel: string;
  busy: boolean;
  onSubmit(): void;
  onCancel(): void;
  testId: string;
  children: JSX.Element;
}

/**
 * A modal form on the native `<dialog>` (focus trap, Escape to cancel, inert page behind it).
 * `showModal` focuses the first field, so the user can type at once; Enter submits the form.
 */
export function FormDialog(props: FormDialogProps): JSX.Element {
  let dialog: HTMLDialogElement | undefined;
  createEffect(() => {
    if (dialog === undefined) return;
    if (props.open && !dialog.open) dialog.showModal();
    else if (!props.open && dialog.open) dialog.close();
  });
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby={props.titleId}
      data-testid={props.testId}
      onCancel={(event) => {
        event.preventDefault();
        if (!props.busy) props.onCancel();
      }}
    >
      <form
        class="form"
        novalidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!props.busy) props.onSubmit();
        }}
      >
        <h2 id={props.titleId}>{props.title}</h2>
        {props.children}
        <div class="dialog-actions">
          <button type="button" class="button" disabled={props.busy} onClick={() => props.onCancel()}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={props.busy} data-testid={`${props.testId}-submit`}>
            {props.busy ? props.busyLabel : props.submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
