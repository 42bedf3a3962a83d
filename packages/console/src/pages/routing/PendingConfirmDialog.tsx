import { Match, Switch, type JSX } from 'solid-js';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import type { PendingConfirmation } from './routing-actions.ts';

/**
 * Asks before removing a credential or a route: both change what live traffic does from the
 * next snapshot on. The server's refusal (such as for an alias's last route) shows inside.
 */
export function PendingConfirmDialog(props: {
  pending: PendingConfirmation | null;
  busy: boolean;
  error: ErrorDescription | null;
  onConfirm(): void;
  onCancel(): void;
}): JSX.Element {
  const isRoute = (): boolean => props.pending?.kind === 'remove-route';
  return (
    <ConfirmDialog
      open={props.pending !== null}
      title={isRoute() ? 'Remove this route?' : 'Remove this credential?'}
      confirmLabel={isRoute() ? 'Remove route' : 'Remove credential'}
      busy={props.busy}
      onConfirm={() => props.onConfirm()}
      onCancel={() => props.onCancel()}
      testId="confirm-dialog"
    >
      <Switch>
        <Match when={props.pending?.kind === 'remove-route' ? props.pending : null}>
          {(action) => (
            <p>
              Requests for <code>{action().alias.alias}</code> stop going to {action().route.provider.name} →{' '}
              <code>{action().route.upstreamModel}</code> once the data planes load the next snapshot.
            </p>
          )}
        </Match>
        <Match when={props.pending?.kind === 'remove-credential' ? props.pending : null}>
          {(action) => (
            <p>
              <strong>{action().provider.name}</strong> will be called without an API key. Upstreams that need one will
              refuse every request routed to it.
            </p>
          )}
        </Match>
      </Switch>
      <ErrorBanner error={props.error} testId="confirm-error" />
    </ConfirmDialog>
  );
}
