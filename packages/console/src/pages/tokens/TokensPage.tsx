import { createQuery } from '@urql/solid';
import { For, Show, createSignal, type JSX } from 'solid-js';
import type { Role } from '@proxystacks/shared/auth/roles';
import { assignableRoles, can, roleLabel, teamsWhere } from '../../auth/permissions.ts';
import { useViewer } from '../../auth/use-viewer.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { RoleScopeFields } from '../../components/RoleScopeFields.tsx';
import { ShownOncePanel } from '../../components/ShownOncePanel.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { createSubmission } from '../../graphql/create-submission.ts';
import { describeError, type ErrorDescription } from '../../graphql/describe-error.ts';
import { formatDateTime } from '../../lib/format-date.ts';
import { TOKEN_LIFETIMES, checkNewToken, tokenStatus, type TokenLifetime } from './token-form.ts';
import { CreateApiTokenMutation, RevokeApiTokenMutation, TokensPageQuery, type ApiTokenRow, type CreateApiTokenInput } from './tokens.graphql.ts';

const TOKENS_CONTEXT = { additionalTypenames: ['ApiToken'] };

/** API tokens for automation: create (role, scope, expiry; token shown once) and revoke. */
export function TokensPage(): JSX.Element {
  const viewer = useViewer();
  const [tokens, refetch] = createQuery({ query: TokensPageQuery, context: TOKENS_CONTEXT, requestPolicy: 'cache-and-network' });
  const refresh = (): void => refetch({ requestPolicy: 'network-only' });
  const create = createSubmission(CreateApiTokenMutation, 'The token was not created.', refresh);
  const revoke = createSubmission(RevokeApiTokenMutation, 'The token was not revoked.', refresh);
  const [shown, setShown] = createSignal<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = createSignal<ApiTokenRow | null>(null);
  const mayManage = (token: ApiTokenRow): boolean => can(viewer(), 'tokens:manage', token.team?.id ?? null);

  const now = Date.now();
  const columns: Column<ApiTokenRow>[] = [
    { id: 'name', header: 'Name', cell: (t) => t.name },
    { id: 'prefix', header: 'Prefix', cell: (t) => <code>{t.prefix}…</code> },
    { id: 'role', header: 'Role', cell: (t) => `${roleLabel(t.role)} on ${t.team === null ? 'organization' : `team ${t.team.name}`}` },
    { id: 'status', header: 'Status', cell: (t) => <StatusBadge status={tokenStatus(t, now)} testId={`token-status-${t.id}`} /> },
    { id: 'expires', header: 'Expires', cell: (t) => (t.expiresAt === null ? <span class="muted">Never</span> : formatDateTime(t.expiresAt)) },
    { id: 'last-used', header: 'Last used', cell: (t) => (t.lastUsedAt === null ? <span class="muted">Never</span> : formatDateTime(t.lastUsedAt)) },
    { id: 'created-by', header: 'Created by', cell: (t) => t.createdBy ?? <span class="muted">—</span> },
    {
      id: 'actions',
      header: 'Actions',
      cell: (t) => (
        <Show when={t.revokedAt === null && mayManage(t)}>
          <button type="button" class="button button-danger button-small" onClick={() => { revoke.clearError(); setRevoking(t); }} data-testid={`revoke-token-${t.id}`}>
            Revoke
          </button>
        </Show>
      ),
    },
  ];

  return (
    <section class="page" aria-labelledby="tokens-title">
      <h1 id="tokens-title">API tokens</h1>
      <p class="lead">
        Tokens let scripts and CI call the GraphQL API as <code>Authorization: Bearer relay-tok-…</code>. Each carries one role,
        on the organization or one team, never above your own.
      </p>
      <CreateTokenForm
        roles={assignableRoles(viewer())}
        orgAllowed={can(viewer(), 'tokens:manage', null)}
        teams={teamsWhere(viewer(), 'tokens:manage', tokens.data?.teams ?? [])}
        busy={create.busy()}
        error={create.error()}
        onCreate={async (input) => {
          const data = await create.submit({ input });
          if (data !== null) setShown({ name: data.createApiToken.apiToken.name, token: data.createApiToken.token });
          return data !== null;
        }}
      />
      <Show when={shown()}>
        {(s) => (
          <ShownOncePanel title={`Token “${s().name}” created`} value={s().token} copyLabel="Copy token" testId="api-token-secret" onDismiss={() => setShown(null)}>
            <p>
              <strong>Copy this token now. You will not see it again.</strong>
            </p>
          </ShownOncePanel>
        )}
      </Show>
      <ErrorBanner error={tokens.error === undefined ? null : describeError(tokens.error)} testId="tokens-error" />
      <Show when={tokens.data} fallback={<Show when={tokens.error === undefined}><Loading label="Loading tokens…" /></Show>}>
        {(data) => <DataTable caption="API tokens" columns={columns} rows={data().apiTokens} emptyText="No API tokens yet." rowTestId={(t) => `token-row-${t.id}`} testId="tokens-table" />}
      </Show>
      <ConfirmDialog
        open={revoking() !== null}
        title="Revoke this token?"
        confirmLabel="Revoke token"
        busy={revoke.busy()}
        onConfirm={() => {
          const token = revoking();
          if (token !== null) void revoke.run({ id: token.id }).then((ok) => ok && setRevoking(null));
        }}
        onCancel={() => setRevoking(null)}
        testId="revoke-token-dialog"
      >
        <p>
          Token <strong>{revoking()?.name}</strong> stops working at once. This cannot be undone.
        </p>
        <ErrorBanner error={revoke.error()} testId="revoke-token-error" />
      </ConfirmDialog>
    </section>
  );
}

function CreateTokenForm(props: {
  roles: readonly Role[];
  orgAllowed: boolean;
  teams: readonly { id: string; name: string }[];
  busy: boolean;
  error: ErrorDescription | null;
  onCreate(input: CreateApiTokenInput): Promise<boolean>;
}): JSX.Element {
  const [name, setName] = createSignal('');
  const [role, setRole] = createSignal<Role>('VIEWER');
  const [teamId, setTeamId] = createSignal('');
  const [lifetime, setLifetime] = createSignal<TokenLifetime>('90d');
  const [invalid, setInvalid] = createSignal<string | null>(null);
  // A team-scoped manager cannot mint organization tokens: preselect their first team.
  const scope = (): string => (teamId() === '' && !props.orgAllowed ? (props.teams[0]?.id ?? '') : teamId());
  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const checked = checkNewToken(name(), lifetime(), Date.now());
    if (!checked.ok) {
      setInvalid(checked.message);
      return;
    }
    setInvalid(null);
    const input: CreateApiTokenInput = { name: checked.name, role: role() };
    if (scope() !== '') input.teamId = scope();
    if (checked.expiresAt !== null) input.expiresAt = checked.expiresAt;
    if (await props.onCreate(input)) setName('');
  };
  return (
    <form class="form form-inline" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="create-token-title" data-testid="create-token-form">
      <h2 id="create-token-title">Create a token</h2>
      <div class="field">
        <label for="new-token-name">Name</label>
        <input id="new-token-name" type="text" autocomplete="off" maxLength={200} value={name()} onInput={(e) => setName(e.currentTarget.value)} aria-invalid={invalid() !== null} data-testid="new-token-name" />
      </div>
      <RoleScopeFields idPrefix="new-token" roles={props.roles} role={role()} onRole={setRole} teams={props.teams} orgAllowed={props.orgAllowed} teamId={scope()} onTeam={setTeamId} />
      <div class="field">
        <label for="new-token-expiry">Expires in</label>
        <select id="new-token-expiry" onChange={(e) => setLifetime(e.currentTarget.value as TokenLifetime)} data-testid="new-token-expiry">
          <For each={TOKEN_LIFETIMES}>{(l) => <option value={l.id} selected={l.id === lifetime()}>{l.label}</option>}</For>
        </select>
      </div>
      <button type="submit" class="button button-primary" disabled={props.busy} data-testid="create-token-button">
        {props.busy ? 'Creating…' : 'Create token'}
      </button>
      <ErrorBanner error={invalid() === null ? props.error : { message: invalid()!, code: null }} testId="create-token-error" />
    </form>
  );
}
