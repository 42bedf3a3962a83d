import { Navigate, useLocation, type RouteSectionProps } from '@solidjs/router';
import { Show, type JSX } from 'solid-js';
import { signInPathFor } from './next-path.ts';
import { useSession } from './session-context.ts';

/**
 * Layout route around every page that needs an admin: signed out (never signed in, signed
 * out, or the token was rejected with a 401) sends the user to sign-in, and back afterwards.
 */
export function RequireSession(props: RouteSectionProps): JSX.Element {
  const session = useSession();
  const location = useLocation();
  return (
    <Show when={session.signedIn()} fallback={<Navigate href={signInPathFor(location.pathname + location.search)} />}>
      {props.children}
    </Show>
  );
}
