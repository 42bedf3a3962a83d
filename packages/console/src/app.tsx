import { Router } from '@solidjs/router';
import { Provider as UrqlProvider } from '@urql/solid';
import { Show, createMemo, type JSX } from 'solid-js';
import { SessionContext } from './auth/session-context.ts';
import type { Credentials, Session } from './auth/session.ts';
import { AppShell } from './components/AppShell.tsx';
import { createRelayClient } from './graphql/client.ts';
import { routes } from './routes.ts';

/** Props of {@link App}. */
export interface AppProps {
  session: Session;
  /** GraphQL endpoint; `/graphql` on the control plane that serves the console. */
  graphqlUrl: string;
}

/**
 * The console: session, GraphQL client and router. A new client (and so a fresh cache and a
 * fresh router tree) is built whenever the session's credentials change, so nothing fetched under one
 * session survives into the next.
 */
export function App(props: AppProps): JSX.Element {
  const client = createMemo(() =>
    createRelayClient({
      url: props.graphqlUrl,
      token: props.session.token(),
      csrfToken: csrfTokenOf(props.session.credentials()),
      onUnauthorized: () => props.session.signOut('token-rejected'),
    }),
  );
  return (
    <SessionContext.Provider value={props.session}>
      <Show when={client()} keyed>
        {(current) => (
          <UrqlProvider value={current}>
            <Router root={AppShell}>{routes}</Router>
          </UrqlProvider>
        )}
      </Show>
    </SessionContext.Provider>
  );
}

function csrfTokenOf(credentials: Credentials | null): string | null {
  return credentials?.kind === 'cookie' ? credentials.csrfToken : null;
}
