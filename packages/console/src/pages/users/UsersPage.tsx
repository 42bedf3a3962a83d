import { createQuery } from '@urql/solid';
import { For, Match, Show, Switch, createSignal, type JSX } from 'solid-js';
import type { Role } from '@proxystacks/shared/auth/roles';
import { assignableRoles, roleLabel } from '../../auth/permissions.ts';
import { useViewer } from '../../auth/use-viewer.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { FormDialog } from '../../components/FormDialog.tsx';
import { Loading } from '../../components/Loading.tsx';
import { RoleScopeFields } from '../../components/RoleScopeFields.tsx';
import { ShownOncePanel } from '../../components/ShownOncePanel.tsx';
import { createSubmission } from '../../graphql/create-submission.ts';
import { describeError, type ErrorDescription } from '../../graphql/describe-error.ts';
import { SignOutEverywhereMutation } from '../../graphql/sign-out.graphql.ts';
import { formatDateTime } from '../../lib/format-date.ts';
import { checkNewUser, userState } from './user-form.ts';
import {
  CreateSetupLinkMutation,
  CreateUserMutation,
  DisableUserMutation,
  EnableUserMutation,
  GrantRoleMutation,
  RevokeRoleMutation,
  UsersPageQuery,
  type UserGrantRow,
  type UserRow,
} from './users.graphql.ts';

const USERS_CONTEXT = { additionalTypenames: ['User', 'UserGrant'] };

/** One action awaiting confirmation. */
type Pending =
  | { kind: 'revoke-grant'; user: UserRow; grant: UserGrantRow }
  | { kind: 'disable'; user: UserRow }
  | { kind: 'sign-out'; user: UserRow };

/** Users and roles (owners only: members:manage): create with a set-up link, grant and revoke roles, disable, sign out everywhere. */
export function UsersPage(): JSX.Element {
  const viewer = useViewer();
  const [users, refetch] = createQuery({ query: UsersPageQuery, context: USERS_CONTEXT, requestPolicy: 'cache-and-network' });
  const refresh = (): void => refetch({ requestPolicy: 'network-only' });
  const createUser = createSubmission(CreateUserMutation, 'The user was not created.', refresh);
  const setupLink = createSubmission(CreateSetupLinkMutation, 'No set-up link was made.', refresh);
  const grantRole = createSubmission(GrantRoleMutation, 'The role was not granted.', refresh);
  const revokeRole = createSubmission(RevokeRoleMutation, 'The role was not revoked.', refresh);
  const disableUser = createSubmission(DisableUserMutation, 'The user was not disabled.', refresh);
  const enableUser = createSubmission(EnableUserMutation, 'The user was not enabled.', refresh);
  const signOutUser = createSubmission(SignOutEverywhereMutation, 'The sessions were not ended.', refresh);

  const [link, setLink] = createSignal<{ email: string; url: string; expiresAt: string } | null>(null);
  const [granting, setGranting] = createSignal<UserRow | null>(null);
  const [pending, setPending] = createSignal<Pending | null>(null);
  const [rowError, setRowError] = createSignal<ErrorDescription | null>(null);
  const teams = () => users.data?.teams ?? [];

  const confirmPending = async (): Promise<void> => {
    const current = pending();
    if (current === null) return;
    const ok =
      current.kind === 'revoke-grant'
        ? await revokeRole.run({ grantId: current.grant.id })
        : current.kind === 'disable'
          ? await disableUser.run({ id: current.user.id })
          : await signOutUser.run({ userId: current.user.id });
    if (ok) setPending(null);
  };
  const pendingError = (): ErrorDescription | null => revokeRole.error() ?? disableUser.error() ?? signOutUser.error();

  const newLink = async (user: UserRow): Promise<void> => {
    const data = await setupLink.submit({ userId: user.id });
    setRowError(data === null ? setupLink.error() : null);
    if (data !== null) setLink({ email: user.email, url: data.createSetupLink.setupUrl, expiresAt: data.createSetupLink.expiresAt });
  };
  const enable = async (user: UserRow): Promise<void> => {
    setRowError((await enableUser.run({ id: user.id })) ? null : enableUser.error());
  };

  const now = Date.now();
  const columns: Column<UserRow>[] = [
    {
      id: 'user',
      header: 'User',
      cell: (u) => (
        <span>
          <strong>{u.name}</strong> <span class="muted">{u.email}</span>
        </span>
      ),
    },
    {
      id: 'roles',
      header: 'Roles',
      cell: (u) => (
        <ul class="chip-list">
          <For each={u.grants} fallback={<li class="muted">No role</li>}>
            {(grant) => (
              <li class="chip" data-testid={`grant-${grant.id}`}>
                {roleLabel(grant.role)} on {grant.team === null ? 'organization' : `team ${grant.team.name}`}
                <button
                  type="button"
                  class="link-button"
                  aria-label={`Revoke ${roleLabel(grant.role)} from ${u.email}`}
                  onClick={() => setPending({ kind: 'revoke-grant', user: u, grant })}
                  data-testid={`revoke-grant-${grant.id}`}
                >
                  ×
                </button>
              </li>
            )}
          </For>
        </ul>
      ),
    },
    { id: 'state', header: 'State', cell: (u) => <span data-testid={`user-state-${u.id}`}>{userState(u, now)}</span> },
    { id: 'last-sign-in', header: 'Last sign-in', cell: (u) => (u.lastSignInAt === null ? <span class="muted">Never</span> : formatDateTime(u.lastSignInAt)) },
    {
      id: 'actions',
      header: 'Actions',
      cell: (u) => (
        <div class="row-actions">
          <button type="button" class="button button-small" onClick={() => setGranting(u)} data-testid={`grant-role-${u.id}`}>
            Grant role
          </button>
          <button type="button" class="button button-small" onClick={() => void newLink(u)} data-testid={`setup-link-${u.id}`}>
            New set-up link
          </button>
          <button type="button" class="button button-small" onClick={() => setPending({ kind: 'sign-out', user: u })} data-testid={`sign-out-user-${u.id}`}>
            Sign out everywhere
          </button>
          <Show
            when={u.disabledAt === null}
            fallback={
              <button type="button" class="button button-small" onClick={() => void enable(u)} data-testid={`enable-user-${u.id}`}>
                Enable
              </button>
            }
          >
            <button type="button" class="button button-danger button-small" onClick={() => setPending({ kind: 'disable', user: u })} data-testid={`disable-user-${u.id}`}>
              Disable
            </button>
          </Show>
        </div>
      ),
    },
  ];

  return (
    <section class="page" aria-labelledby="users-title">
      <h1 id="users-title">Users and roles</h1>
      <p class="lead">
        Owners create users and hand them a one-time set-up link. Roles: owner (everything), admin (config and API tokens),
        analyst (reads spend, requests, config and the audit trail), viewer (reads config and spend); on the whole
        organization or on one team.
      </p>
      <CreateUserForm
        roles={assignableRoles(viewer())}
        teams={teams()}
        busy={createUser.busy()}
        error={createUser.error()}
        onCreate={async (input) => {
          const data = await createUser.submit({ input });
          if (data === null) return false;
          setLink({ email: data.createUser.user.email, url: data.createUser.setupUrl, expiresAt: data.createUser.setupExpiresAt });
          return true;
        }}
      />
      <Show when={link()}>
        {(shown) => (
          <ShownOncePanel title={`Set-up link for ${shown().email}`} value={shown().url} copyLabel="Copy link" testId="setup-link" onDismiss={() => setLink(null)}>
            <p>
              <strong>Copy this link now and hand it to them yourself; it is shown once.</strong> It works once, until{' '}
              {formatDateTime(shown().expiresAt)}.
            </p>
          </ShownOncePanel>
        )}
      </Show>
      <ErrorBanner error={users.error === undefined ? null : describeError(users.error)} testId="users-error" />
      <ErrorBanner error={rowError()} testId="user-row-error" />
      <Show when={users.data} fallback={<Show when={users.error === undefined}><Loading label="Loading users…" /></Show>}>
        {(data) => <DataTable caption="Users" columns={columns} rows={data().users} emptyText="No users yet." rowTestId={(u) => `user-row-${u.id}`} testId="users-table" />}
      </Show>
      <GrantRoleDialog
        user={granting()}
        roles={assignableRoles(viewer())}
        teams={teams()}
        busy={grantRole.busy()}
        error={grantRole.error()}
        onGrant={async (input) => {
          if (await grantRole.run({ input })) setGranting(null);
        }}
        onCancel={() => setGranting(null)}
      />
      <ConfirmDialog
        open={pending() !== null}
        title={pending()?.kind === 'revoke-grant' ? 'Revoke this role?' : pending()?.kind === 'disable' ? 'Disable this user?' : 'Sign this user out everywhere?'}
        confirmLabel={pending()?.kind === 'revoke-grant' ? 'Revoke role' : pending()?.kind === 'disable' ? 'Disable user' : 'Sign out everywhere'}
        busy={revokeRole.busy() || disableUser.busy() || signOutUser.busy()}
        onConfirm={() => void confirmPending()}
        onCancel={() => setPending(null)}
        testId="user-confirm"
      >
        <Switch>
          <Match when={pending()?.kind === 'revoke-grant'}>
            <p>{pending()?.user.email} loses this role at once.</p>
          </Match>
          <Match when={pending()?.kind === 'disable'}>
            <p>{pending()?.user.email} is signed out everywhere and cannot sign in until enabled again.</p>
          </Match>
          <Match when={pending()?.kind === 'sign-out'}>
            <p>Every browser signed in as {pending()?.user.email} is signed out.</p>
          </Match>
        </Switch>
        <ErrorBanner error={pendingError()} testId="user-confirm-error" />
      </ConfirmDialog>
    </section>
  );
}

function CreateUserForm(props: {
  roles: readonly Role[];
  teams: readonly { id: string; name: string }[];
  busy: boolean;
  error: ErrorDescription | null;
  onCreate(input: { email: string; name: string; role: Role; teamId?: string }): Promise<boolean>;
}): JSX.Element {
  const [email, setEmail] = createSignal('');
  const [name, setName] = createSignal('');
  const [role, setRole] = createSignal<Role>('VIEWER');
  const [teamId, setTeamId] = createSignal('');
  const [invalid, setInvalid] = createSignal<{ field: 'email' | 'name'; message: string } | null>(null);
  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const checked = checkNewUser(email(), name());
    if (!checked.ok) {
      setInvalid(checked);
      return;
    }
    setInvalid(null);
    const created = await props.onCreate({ ...checked.value, role: role(), ...(teamId() === '' ? {} : { teamId: teamId() }) });
    if (created) {
      setEmail('');
      setName('');
    }
  };
  return (
    <form class="form form-inline" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="create-user-title" data-testid="create-user-form">
      <h2 id="create-user-title">Create a user</h2>
      <div class="field">
        <label for="new-user-email">Email</label>
        <input id="new-user-email" type="email" autocomplete="off" value={email()} onInput={(e) => setEmail(e.currentTarget.value)} aria-invalid={invalid()?.field === 'email'} data-testid="new-user-email" />
      </div>
      <div class="field">
        <label for="new-user-name">Name</label>
        <input id="new-user-name" type="text" autocomplete="off" value={name()} onInput={(e) => setName(e.currentTarget.value)} aria-invalid={invalid()?.field === 'name'} data-testid="new-user-name" />
      </div>
      <RoleScopeFields idPrefix="new-user" roles={props.roles} role={role()} onRole={setRole} teams={props.teams} orgAllowed teamId={teamId()} onTeam={setTeamId} />
      <button type="submit" class="button button-primary" disabled={props.busy} data-testid="create-user-button">
        {props.busy ? 'Creating…' : 'Create user'}
      </button>
      <ErrorBanner error={invalid() === null ? props.error : { message: invalid()!.message, code: null }} testId="create-user-error" />
    </form>
  );
}

function GrantRoleDialog(props: {
  user: UserRow | null;
  roles: readonly Role[];
  teams: readonly { id: string; name: string }[];
  busy: boolean;
  error: ErrorDescription | null;
  onGrant(input: { userId: string; role: Role; teamId?: string }): Promise<void>;
  onCancel(): void;
}): JSX.Element {
  const [role, setRole] = createSignal<Role>('VIEWER');
  const [teamId, setTeamId] = createSignal('');
  return (
    <FormDialog
      open={props.user !== null}
      titleId="grant-role-title"
      title={`Grant a role to ${props.user?.email ?? ''}`}
      submitLabel="Grant role"
      busyLabel="Granting…"
      busy={props.busy}
      onSubmit={() => {
        const user = props.user;
        if (user !== null) void props.onGrant({ userId: user.id, role: role(), ...(teamId() === '' ? {} : { teamId: teamId() }) });
      }}
      onCancel={() => props.onCancel()}
      testId="grant-role-dialog"
    >
      <RoleScopeFields idPrefix="grant" roles={props.roles} role={role()} onRole={setRole} teams={props.teams} orgAllowed teamId={teamId()} onTeam={setTeamId} />
      <ErrorBanner error={props.error} testId="grant-role-error" />
    </FormDialog>
  );
}
