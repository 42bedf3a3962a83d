import { A, useLocation, type RouteSectionProps } from '@solidjs/router';
import { createMutation } from '@urql/solid';
import { For, Show, Suspense, createEffect, createSignal, type JSX } from 'solid-js';
import { can, canSomewhere, isTeamScoped, roleLabel } from '../auth/permissions.ts';
import { useSession } from '../auth/session-context.ts';
import { useViewer } from '../auth/use-viewer.ts';
import { SignOutEverywhereMutation } from '../graphql/sign-out.graphql.ts';
import type { Viewer } from '../graphql/viewer.graphql.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { Loading } from './Loading.tsx';
import { ThemeToggle } from './ThemeToggle.tsx';
import { pageTitle } from './page-title.ts';

/** Navigation entries in display order, each shown only when the viewer may open the page. */
const NAV_ITEMS: readonly { href: string; label: string; visible(viewer: Viewer | undefined): boolean }[] = [
  { href: '/', label: 'Overview', visible: (v) => canSomewhere(v, 'requests:read') },
  { href: '/keys', label: 'Keys', visible: (v) => canSomewhere(v, 'config:read') },
  { href: '/teams', label: 'Teams', visible: (v) => canSomewhere(v, 'config:read') },
  { href: '/spend', label: 'Spend', visible: (v) => canSomewhere(v, 'spend:read') },
  { href: '/requests', label: 'Requests', visible: (v) => canSomewhere(v, 'requests:read') },
  // Balances and the ledger are spend: readers see them; the write controls need billing:manage.
  { href: '/billing', label: 'Billing', visible: (v) => canSomewhere(v, 'spend:read') },
  { href: '/live', label: 'Live', visible: (v) => canSomewhere(v, 'requests:read') },
  // Providers, aliases and prices are organization objects: a team-only grant cannot read them.
  { href: '/routing', label: 'Routing', visible: (v) => can(v, 'config:read', null) },
  { href: '/users', label: 'Users', visible: (v) => can(v, 'members:manage', null) },
  { href: '/tokens', label: 'API tokens', visible: (v) => canSomewhere(v, 'tokens:manage') },
  { href: '/audit', label: 'Audit trail', visible: (v) => can(v, 'audit:read', null) },
];

/** The router's root: header with navigation, who is signed in and as what, then the page. */
export function AppShell(props: RouteSectionProps): JSX.Element {
  const session = useSession();
  const location = useLocation();
  createEffect(() => {
    document.title = pageTitle(location.pathname);
  });
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="app-header">
        <span class="brand">ProxyStacks Relay</span>
        <ThemeToggle />
        <Show when={session.signedIn()}>
          <SignedInHeader
            onSignOut={() => session.signOut('signed-out')}
            onSignedOutEverywhere={() => session.signOut('signed-out-everywhere')}
          />
        </Show>
      </header>
      <main id="main" class="app-main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>{props.children}</Suspense>
      </main>
    </>
  );
}

function SignedInHeader(props: { onSignOut(): void; onSignedOutEverywhere(): void }): JSX.Element {
  const viewer = useViewer();
  const [everywhereState, signOutEverywhere] = createMutation(SignOutEverywhereMutation);
  const [confirming, setConfirming] = createSignal(false);
  const confirmEverywhere = async (): Promise<void> => {
    const result = await signOutEverywhere({});
    setConfirming(false);
    // Ended on the server or not, this tab forgets its session; a failure leaves the others to expire.
    if (result.data !== undefined) props.onSignedOutEverywhere();
    else props.onSignOut();
  };
  return (
    <>
      <nav class="app-nav" aria-label="Main">
        <For each={NAV_ITEMS.filter((item) => item.visible(viewer()))}>
          {(item) => (
            <A href={item.href} end={item.href === '/'} activeClass="active" data-testid={`nav-${item.href.slice(1) || 'overview'}`}>
              {item.label}
            </A>
          )}
        </For>
      </nav>
      <div class="app-user">
        <span class="muted" data-testid="viewer-name">
          {viewer()?.name ?? ''}
        </span>
        <Show when={viewer()?.role}>
          {(role) => (
            <span class="badge badge-role" data-testid="viewer-role">
              {roleLabel(role())}
              <Show when={isTeamScoped(viewer())}>
                <span data-testid="viewer-team-scoped"> · team-scoped</span>
              </Show>
            </span>
          )}
        </Show>
        <button type="button" class="button button-quiet" onClick={() => props.onSignOut()} data-testid="sign-out">
          Sign out
        </button>
        <Show when={viewer()?.kind === 'user'}>
          <button type="button" class="button button-quiet" onClick={() => setConfirming(true)} data-testid="sign-out-everywhere">
            Sign out everywhere
          </button>
        </Show>
      </div>
      <ConfirmDialog
        open={confirming()}
        title="Sign out everywhere?"
        confirmLabel="Sign out everywhere"
        busy={everywhereState.fetching}
        onConfirm={() => void confirmEverywhere()}
        onCancel={() => setConfirming(false)}
        testId="sign-out-everywhere-dialog"
      >
        <p>Every browser signed in as you, this one included, is signed out.</p>
      </ConfirmDialog>
    </>
  );
}
