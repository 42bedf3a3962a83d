import { Navigate, useLocation, type RouteSectionProps } from '@solidjs/router';
import { Show, type JSX } from 'solid-js';
import { Loading } from '../components/Loading.tsx';
import { signInPathFor } from './next-path.ts';
import { useSession } from './session-context.ts';

/**
 * Layout route around every page that needs a signed-in user: signed out (never signed in,
 * signed out, or the session was rejected with a 401) sends the user to sign-in, and back
 * afterwards. Until the page has asked the server for a cookie session left by a reload, it waits
 * instead of sending a signed-in user to the sign-in page.
 */
export function RequireSession(props: RouteSectionProps): JSX.Element {
  const session = useSession();
  const location = useLocation();
  return (
    <Show when={session.ready()} fallback={<Loading label="Checking your session…" />}>
      <Show when={session.signedIn()} fallback={<Navigate href={signInPathFor(location.pathname + location.search)} />}>
        {props.children}
      </Show>
    </Show>
  );
}
