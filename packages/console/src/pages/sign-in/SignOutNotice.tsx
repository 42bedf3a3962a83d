import { Show, type JSX } from 'solid-js';
import type { SignOutReason } from '../../auth/session.ts';

/** Tells the user why they are on the sign-in page when they did not choose to be. */
export function SignOutNotice(props: { reason: SignOutReason | null }): JSX.Element {
  return (
    <>
      <Show when={props.reason === 'token-rejected'}>
        <div class="banner banner-info" role="status" data-testid="session-ended">
          The control plane rejected your admin token, so you were signed out. Sign in again.
        </div>
      </Show>
      <Show when={props.reason === 'signed-out'}>
        <div class="banner banner-info" role="status">
          You signed out.
        </div>
      </Show>
    </>
  );
}
