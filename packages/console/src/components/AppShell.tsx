import { A, type RouteSectionProps } from '@solidjs/router';
import { createQuery } from '@urql/solid';
import { Show, Suspense, type JSX } from 'solid-js';
import { useSession } from '../auth/session-context.ts';
import { ViewerQuery } from '../graphql/viewer.graphql.ts';
import { Loading } from './Loading.tsx';

/** Navigation entries of the signed-in console, in display order. */
const NAV_ITEMS = [
  { href: '/keys', label: 'Keys' },
  { href: '/spend', label: 'Spend' },
  { href: '/requests', label: 'Requests' },
  { href: '/routing', label: 'Routing' },
] as const;

/** The router's root: header with navigation, the admin's name and sign-out, then the page. */
export function AppShell(props: RouteSectionProps): JSX.Element {
  const session = useSession();
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="app-header">
        <span class="brand">ProxyStacks Relay</span>
        <Show when={session.signedIn()}>
          <SignedInHeader onSignOut={() => session.signOut('signed-out')} />
        </Show>
      </header>
      <main id="main" class="app-main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>{props.children}</Suspense>
      </main>
    </>
  );
}

function SignedInHeader(props: { onSignOut(): void }): JSX.Element {
  const [viewer] = createQuery({ query: ViewerQuery });
  return (
    <>
      <nav class="app-nav" aria-label="Main">
        {NAV_ITEMS.map((item) => (
          <A href={item.href} activeClass="active">
            {item.label}
          </A>
        ))}
      </nav>
      <div class="app-user">
        <span class="muted" data-testid="viewer-name">
          {viewer.data?.viewer.name ?? ''}
        </span>
        <button type="button" class="button button-quiet" onClick={() => props.onSignOut()} data-testid="sign-out">
          Sign out
        </button>
      </div>
    </>
  );
}
