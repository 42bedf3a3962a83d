import { createEffect, createSignal, untrack, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { FormDialog } from '../../components/FormDialog.tsx';
import { RouteFields } from './RouteFields.tsx';
import { emptyRouteDraft, keepOrFirstProvider, parseRouteDraft, type RouteDraft } from './route-draft.ts';
import type { ModelAliasRow, ModelRouteInput, ProviderRow } from './routing.graphql.ts';

/** Props of {@link AddRouteDialog}. */
export interface AddRouteDialogProps {
  /** The alias getting a route; null closes the dialog. */
  target: ModelAliasRow | null;
  providers: readonly ProviderRow[];
  /** Environment names a route may be limited to. */
  environments: readonly string[];
  busy: boolean;
  error: ErrorDescription | null;
  onAdd(input: ModelRouteInput): void;
  onCancel(): void;
}

/** Adds a deployment (a fallback, or a share of traffic) to an existing alias. */
export function AddRouteDialog(props: AddRouteDialogProps): JSX.Element {
  const [draft, setDraft] = createSignal<RouteDraft>(emptyRouteDraft());
  const [invalid, setInvalid] = createSignal<{ field: keyof RouteDraft; error: ErrorDescription } | null>(null);
  createEffect(() => {
    // A fresh draft each time the dialog opens; priority defaults to after the alias's last route.
    const alias = props.target;
    if (alias === null) return;
    const nextPriority = Math.min(1000, Math.max(-1, ...alias.routes.map((r) => r.priority)) + 1);
    setDraft({ ...emptyRouteDraft(untrack(() => keepOrFirstProvider('', props.providers))), priority: String(nextPriority) });
    setInvalid(null);
  });
  const submit = (): void => {
    const route = parseRouteDraft(draft());
    if (!route.ok) {
      setInvalid({ field: route.field, error: { message: route.message, code: null } });
      return;
    }
    setInvalid(null);
    props.onAdd(route.input);
  };
  return (
    <FormDialog
      open={props.target !== null}
      titleId="add-route-title"
      title={`Add a route to ${props.target?.alias ?? ''}`}
      submitLabel="Add route"
      busyLabel="Adding…"
      busy={props.busy}
      onSubmit={submit}
      onCancel={() => props.onCancel()}
      testId="add-route-dialog"
    >
      <RouteFields
        idPrefix="add-route"
        draft={draft()}
        providers={props.providers}
        environments={props.environments}
        invalidField={invalid()?.field ?? null}
        onChange={(patch) => setDraft((d) => ({ ...d, ...patch }))}
      />
      <ErrorBanner error={invalid()?.error ?? props.error} testId="add-route-error" />
    </FormDialog>
  );
}
