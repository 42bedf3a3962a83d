import { Match, Switch, type JSX } from 'solid-js';
import type { SignOutReason } from '../../auth/session.ts';

/** Tells the user why they are on the sign-in page when they did not choose to be. */
export function SignOutNotice(props: { reason: SignOutReason | null }): JSX.Element {
  return (
    <Switch>
      <Match when={props.reason === 'token-rejected'}>
        <div class="banner banner-info" role="status" data-testid="session-ended">
          The control plane rejected your API token, so you were signed out. Sign in again.
        </div>
      </Match>
      <Match when={props.reason === 'session-ended'}>
        <div class="banner banner-info" role="status" data-testid="session-ended">
          Your session ended (it expired, or you were signed out elsewhere). Sign in again.
        </div>
      </Match>
      <Match when={props.reason === 'signed-out'}>
        <div class="banner banner-info" role="status" data-testid="signed-out">
          You signed out.
        </div>
      </Match>
      <Match when={props.reason === 'signed-out-everywhere'}>
        <div class="banner banner-info" role="status" data-testid="signed-out-everywhere">
          You signed out everywhere: every browser signed in as you has to sign in again.
        </div>
      </Match>
    </Switch>
  );
}
