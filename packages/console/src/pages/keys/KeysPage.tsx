import { createQuery } from '@urql/solid';
import { Show, createSignal, type JSX } from 'solid-js';
import { can, teamsWhere } from '../../auth/permissions.ts';
import { useViewer } from '../../auth/use-viewer.ts';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { describeError } from '../../graphql/describe-error.ts';
import { ScopeLimits } from '../limits/ScopeLimits.tsx';
import { CreateKeyForm } from './CreateKeyForm.tsx';
import { EditKeyDialog } from './EditKeyDialog.tsx';
import { KeySecretPanel } from './KeySecretPanel.tsx';
import { KeyStatusFilter } from './KeyStatusFilter.tsx';
import { KeysTable } from './KeysTable.tsx';
import { RevokeKeyDialog } from './RevokeKeyDialog.tsx';
import { RotateKeyDialog } from './RotateKeyDialog.tsx';
import { createKeyActions } from './key-actions.ts';
import { KeyAliasesQuery, KeysPageQuery, type ApiKeyStatus, type KeyRow } from './keys.graphql.ts';

// With no keys listed the cached result names no ApiKey, so a createKey would not invalidate it;
// naming the type here makes every ApiKey mutation refetch the list.
const KEYS_CONTEXT = { additionalTypenames: ['ApiKey'] };

/** Keys: list, create (secret shown once), edit, disable/enable, rotate and revoke, as the viewer's role allows. */
export function KeysPage(): JSX.Element {
  const viewer = useViewer();
  const [status, setStatus] = createSignal<ApiKeyStatus | null>(null);
  const [limitsOf, setLimitsOf] = createSignal<KeyRow | null>(null);
  const [keys, refetchKeys] = createQuery({
    query: KeysPageQuery,
    variables: () => ({ status: status() }),
    context: KEYS_CONTEXT,
    requestPolicy: 'cache-and-network',
  });
  // Aliases are organization config: a team-scoped viewer may not list them, so do not ask.
  const mayListAliases = (): boolean => can(viewer(), 'config:read', null);
  const [aliases] = createQuery({ query: KeyAliasesQuery, pause: () => !mayListAliases() });
  const refresh = (): void => refetchKeys({ requestPolicy: 'network-only' });
  const actions = createKeyActions(refresh);
  const writableTeams = () => teamsWhere(viewer(), 'config:write', keys.data?.teams ?? []);
  const aliasNames = (): string[] | null => (mayListAliases() ? (aliases.data?.modelAliases.map((a) => a.alias) ?? []) : null);

  return (
    <section class="page" aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <p class="lead">
        Apps call the data plane with these keys. A key belongs to one environment of one project. A disabled or revoked
        key stops working as soon as the data planes load the next configuration snapshot.
      </p>
      <Show when={writableTeams().length > 0}>
        <CreateKeyForm
          teams={writableTeams()}
          aliases={aliasNames()}
          busy={actions.createBusy()}
          error={actions.createError()}
          onCreate={actions.create}
        />
      </Show>
      <Show when={actions.shown()}>
        {(shown) => <KeySecretPanel name={shown().name} secret={shown().secret} rotated={shown().rotated} onDismiss={actions.dismissShown} />}
      </Show>
      <div class="toolbar">
        <KeyStatusFilter value={status()} onChange={setStatus} />
        <button type="button" class="button" onClick={refresh} disabled={keys.fetching}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={keys.error === undefined ? null : describeError(keys.error)} testId="keys-error" />
      <ErrorBanner error={actions.toggleError()} testId="key-toggle-error" />
      <Show when={keys.data} fallback={<Show when={keys.error === undefined}><Loading label="Loading keys…" /></Show>}>
        {(data) => (
          <KeysTable
            keys={data().keys}
            canWrite={(teamId) => can(viewer(), 'config:write', teamId)}
            onEdit={actions.askEdit}
            onRevoke={actions.askRevoke}
            onRotate={actions.askRotate}
            onSetEnabled={(key, enabled) => void actions.setEnabled(key, enabled)}
            onShowLimits={setLimitsOf}
          />
        )}
      </Show>
      <Show when={limitsOf()} keyed>
        {(key) => (
          <section class="panel" aria-labelledby="key-limits-title" data-testid="key-limits-panel">
            <div class="toolbar">
              <h2 id="key-limits-title">Limits and budgets of {key.name}</h2>
              <button type="button" class="button" onClick={() => setLimitsOf(null)}>
                Close
              </button>
            </div>
            <ScopeLimits scope="KEY" scopeId={key.id} teamId={key.team.id} />
          </section>
        )}
      </Show>
      <EditKeyDialog
        target={actions.editing()}
        aliases={aliasNames()}
        busy={actions.editBusy()}
        error={actions.editError()}
        onSave={(input) => void actions.confirmEdit(input)}
        onCancel={actions.cancelEdit}
      />
      <RevokeKeyDialog
        target={actions.revoking()}
        busy={actions.revokeBusy()}
        error={actions.revokeError()}
        onConfirm={() => void actions.confirmRevoke()}
        onCancel={actions.cancelRevoke}
      />
      <RotateKeyDialog
        target={actions.rotating()}
        busy={actions.rotateBusy()}
        error={actions.rotateError()}
        onConfirm={(grace) => void actions.confirmRotate(grace)}
        onCancel={actions.cancelRotate}
      />
    </section>
  );
}
