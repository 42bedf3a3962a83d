import { For, createEffect, createSignal, on, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { FormDialog } from '../../components/FormDialog.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import type { ProviderRow } from './routing.graphql.ts';

/** Props of {@link ProviderEnvironmentsDialog}. */
export interface ProviderEnvironmentsDialogProps {
  /** The provider being limited; null closes the dialog. */
  target: ProviderRow | null;
  /** Environment names to offer (environmentNamesOf, with the provider's own). */
  environments: readonly string[];
  busy: boolean;
  error: ErrorDescription | null;
  /** The names ticked, sorted; [] = every environment. */
  onSave(enabledEnvironments: string[]): void;
  onCancel(): void;
}

/**
 * Chooses the environments a provider may serve, e.g. the real provider in production only and
 * a cheap one everywhere else. Nothing ticked means every environment, as the API has it.
 */
export function ProviderEnvironmentsDialog(props: ProviderEnvironmentsDialogProps): JSX.Element {
  const [chosen, setChosen] = createSignal<readonly string[]>([]);
  createEffect(
    on(
      () => props.target,
      (provider) => {
        if (provider !== null) setChosen(provider.enabledEnvironments);
      },
    ),
  );
  const offered = (): string[] => [...new Set([...props.environments, ...(props.target?.enabledEnvironments ?? [])])];
  const toggle = (name: string, ticked: boolean): void => {
    setChosen((list) => (ticked ? [...list.filter((n) => n !== name), name] : list.filter((n) => n !== name)));
  };
  return (
    <FormDialog
      open={props.target !== null}
      titleId="provider-environments-title"
      title={`Environments of ${props.target?.name ?? ''}`}
      submitLabel="Save environments"
      busyLabel="Saving…"
      busy={props.busy}
      onSubmit={() => props.onSave([...chosen()].sort())}
      onCancel={() => props.onCancel()}
      testId="provider-environments-dialog"
    >
      <p>
        Routes to this provider are used only in the environments ticked here; none ticked: every environment. Data planes
        switch with the next configuration snapshot.
      </p>
      <fieldset class="field" data-testid="provider-environments">
        <legend>Serves</legend>
        <div class="checkbox-list">
          <For each={offered()}>
            {(name) => (
              <label class="checkbox">
                <input type="checkbox" checked={chosen().includes(name)} onChange={(event) => toggle(name, event.currentTarget.checked)} data-testid={`provider-environment-${name}`} />
                {name}
              </label>
            )}
          </For>
        </div>
      </fieldset>
      <ErrorBanner error={props.error} testId="provider-environments-error" />
    </FormDialog>
  );
}
