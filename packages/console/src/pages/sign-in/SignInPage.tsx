import { Navigate, useSearchParams } from '@solidjs/router';
import { useClient } from '@urql/solid';
import { Show, createSignal, type JSX } from 'solid-js';
import { safeNextPath } from '../../auth/next-path.ts';
import { createSessionApi } from '../../auth/session-api.ts';
import { useSession } from '../../auth/session-context.ts';
import { normalizeToken } from '../../auth/token-store.ts';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { SignOutNotice } from './SignOutNotice.tsx';
import { checkPasswordSignIn } from './sign-in-form.ts';
import { verifyAdminToken } from './verify-admin-token.ts';

/**
 * Sign-in: email and password (a cookie session), or an API token for automation. Once signed
 * in, goes to `?next=`.
 */
export function SignInPage(): JSX.Element {
  const session = useSession();
  const [searchParams] = useSearchParams();
  return (
    <Show when={!session.signedIn()} fallback={<Navigate href={safeNextPath(searchParams.next)} />}>
      <section class="page page-narrow">
        <h1>Sign in</h1>
        <SignOutNotice reason={session.signOutReason()} />
        <PasswordSignInForm />
        <TokenSignInForm />
      </section>
    </Show>
  );
}

function PasswordSignInForm(): JSX.Element {
  const session = useSession();
  const api = createSessionApi();
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [checking, setChecking] = createSignal(false);
  const [error, setError] = createSignal<ErrorDescription | null>(null);

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const checked = checkPasswordSignIn(email(), password());
    if (!checked.ok) {
      setError({ message: checked.message, code: null });
      return;
    }
    setChecking(true);
    setError(null);
    const started = await api.signIn(checked.value.email, checked.value.password);
    setChecking(false);
    if (started.ok) {
      setPassword('');
      session.signInWithSession(started.csrfToken);
    } else {
      setError(started.error);
    }
  };

  return (
    <form class="form" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="password-sign-in-title">
      <h2 id="password-sign-in-title" class="visually-hidden">
        With your email and password
      </h2>
      <label for="sign-in-email">Email</label>
      <input
        id="sign-in-email"
        name="email"
        type="email"
        autocomplete="username"
        spellcheck={false}
        required
        value={email()}
        onInput={(event) => setEmail(event.currentTarget.value)}
        data-testid="email-input"
      />
      <label for="sign-in-password">Password</label>
      <input
        id="sign-in-password"
        name="password"
        type="password"
        autocomplete="current-password"
        required
        value={password()}
        onInput={(event) => setPassword(event.currentTarget.value)}
        aria-invalid={error() !== null}
        data-testid="password-input"
      />
      <ErrorBanner error={error()} testId="password-sign-in-error" />
      <button type="submit" class="button button-primary" disabled={checking()} data-testid="password-sign-in-button">
        {checking() ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

/** The API token sign-in, for automation and the bootstrap token; checked with `viewer` before it is kept. */
function TokenSignInForm(): JSX.Element {
  const session = useSession();
  const client = useClient();
  const [token, setToken] = createSignal('');
  const [checking, setChecking] = createSignal(false);
  const [error, setError] = createSignal<ErrorDescription | null>(null);

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const candidate = normalizeToken(token());
    if (candidate === null) {
      setError({ message: 'Enter an API token, such as the admin token printed when Relay first started.', code: null });
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
    <form class="form form-secondary" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="token-sign-in-title">
      <h2 id="token-sign-in-title">Or with an API token</h2>
      <label for="admin-token">API token</label>
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
        For automation. <code>relay start</code> prints an admin token on its first run (or set <code>RELAY_ADMIN_TOKEN</code>).
      </p>
      <ErrorBanner error={error()} testId="sign-in-error" />
      <button type="submit" class="button" disabled={checking()} data-testid="sign-in-button">
        {checking() ? 'Checking…' : 'Sign in with token'}
      </button>
    </form>
  );
}
