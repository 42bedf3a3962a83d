import { Navigate, useSearchParams } from '@solidjs/router';
import { useClient } from '@urql/solid';
import { Show, createSignal, type JSX } from 'solid-js';
import { safeNextPath } from '../../auth/next-path.ts';
import { useSession } from '../../auth/session-context.ts';
import { normalizeToken } from '../../auth/token-store.ts';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { SignOutNotice } from './SignOutNotice.tsx';
import { verifyAdminToken } from './verify-admin-token.ts';

/**
 * Sign-in: the admin token is checked with `viewer` before it is kept, so a typo is reported
 * here instead of as a sign-out on the next page. Once signed in, goes to `?next=`.
 */
export function SignInPage(): JSX.Element {
  const session = useSession();
  const client = useClient();
  const [searchParams] = useSearchParams();
  const [token, setToken] = createSignal('');
  const [checking, setChecking] = createSignal(false);
  const [error, setError] = createSignal<ErrorDescription | null>(null);

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const candidate = normalizeToken(token());
    if (candidate === null) {
      setError({ message: 'Enter the admin token printed when Relay first started.', code: null });
      return;
    }
    setChecking(true);
    setError(null);
    const check = await verifyAdminToken(client, candidate);
    setChecking(false);
    if (check.ok) session.signIn(candidate);
    else setError(check.error);
  };

  return (
    <Show when={!session.signedIn()} fallback={<Navigate href={safeNextPath(searchParams.next)} />}>
      <section class="page page-narrow">
        <h1>Sign in</h1>
        <SignOutNotice reason={session.signOutReason()} />
        <form class="form" onSubmit={(event) => void submit(event)} novalidate>
          <label for="admin-token">Admin token</label>
          <input
            id="admin-token"
            name="admin-token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            required
            value={token()}
            onInput={(event) => setToken(event.currentTarget.value)}
            aria-describedby="admin-token-help"
            aria-invalid={error() !== null}
            data-testid="token-input"
          />
          <p id="admin-token-help" class="help">
            Printed by <code>relay start</code> on its first run, or the value of <code>RELAY_ADMIN_TOKEN</code>.
          </p>
          <ErrorBanner error={error()} testId="sign-in-error" />
          <button type="submit" class="button button-primary" disabled={checking()} data-testid="sign-in-button">
            {checking() ? 'Checking…' : 'Sign in'}
          </button>
        </form>
      </section>
    </Show>
  );
}
