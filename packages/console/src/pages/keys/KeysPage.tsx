import { createQuery } from '@urql/solid';
import { Show, createSignal, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { describeError } from '../../graphql/describe-error.ts';
import { CreateKeyForm } from './CreateKeyForm.tsx';
import { KeySecretPanel } from './KeySecretPanel.tsx';
import { KeyStatusFilter } from './KeyStatusFilter.tsx';
import { KeysTable } from './KeysTable.tsx';
import { RevokeKeyDialog } from './RevokeKeyDialog.tsx';
import { createKeyActions } from './key-actions.ts';
import { KeysPageQuery, type ApiKeyStatus } from './keys.graphql.ts';

// With no keys listed the cached result names no ApiKey, so a createKey would not invalidate it;
// naming the type here makes every ApiKey mutation refetch the list.
const KEYS_CONTEXT = { additionalTypenames: ['ApiKey'] };

/** Keys: list, create (secret shown once) and revoke with confirmation. */
export function KeysPage(): JSX.Element {
  const [status, setStatus] = createSignal<ApiKeyStatus | null>(null);
  const [keys, refetchKeys] = createQuery({
    query: KeysPageQuery,
    variables: () => ({ status: status() }),
    context: KEYS_CONTEXT,
    requestPolicy: 'cache-and-network',
  });
  const refresh = (): void => refetchKeys({ requestPolicy: 'network-only' });
  const actions = createKeyActions(refresh);

  return (
    <section class="page" aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <p class="lead">
        Apps call the data plane with these keys. A revoked key stops working as soon as the data planes load the next
        configuration snapshot.
      </p>
      <CreateKeyForm
        teams={keys.data?.teams ?? []}
        busy={actions.createBusy()}
        error={actions.createError()}
        onCreate={actions.create}
      />
      <Show when={actions.created()}>
        {(key) => <KeySecretPanel name={key().name} secret={key().secret} onDismiss={actions.dismissCreated} />}
      </Show>
      <div class="toolbar">
        <KeyStatusFilter value={status()} onChange={setStatus} />
        <button type="button" class="button" onClick={refresh} disabled={keys.fetching}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={keys.error === undefined ? null : describeError(keys.error)} testId="keys-error" />
      <Show when={keys.data} fallback={<Show when={keys.error === undefined}><Loading label="Loading keys…" /></Show>}>
        {(data) => <KeysTable keys={data().keys} onRevoke={actions.askRevoke} />}
      </Show>
      <RevokeKeyDialog
        target={actions.revoking()}
        busy={actions.revokeBusy()}
        error={actions.revokeError()}
        onConfirm={() => void actions.confirmRevoke()}
        onCancel={actions.cancelRevoke}
      />
    </section>
  );
}
