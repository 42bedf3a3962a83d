import { Navigate } from '@solidjs/router';
import { Show, createSignal, onMount, type JSX } from 'solid-js';
import { createSessionApi } from '../../auth/session-api.ts';
import { useSession } from '../../auth/session-context.ts';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { MIN_PASSWORD_CHARS, checkNewPassword, setupTokenFromHash } from './setup-form.ts';

/**
 * `/setup#token=…`: the one-time link an owner hands a new user (or a user who forgot their
 * password). The token is read from the fragment and then removed from the address bar and
 * history; the user picks a password (typed twice) and is signed in.
 */
export function SetupPage(): JSX.Element {
  const session = useSession();
  const api = createSessionApi();
  const [token, setToken] = createSignal<string | null>(null);
  const [read, setRead] = createSignal(false);
  const [password, setPassword] = createSignal('');
  const [repeated, setRepeated] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [done, setDone] = createSignal(false);
  const [error, setError] = createSignal<ErrorDescription | null>(null);

  onMount(() => {
    setToken(setupTokenFromHash(window.location.hash));
    setRead(true);
    if (window.location.hash !== '') window.history.replaceState(window.history.state, '', window.location.pathname);
  });

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const current = token();
    if (current === null) return;
    const problem = checkNewPassword(password(), repeated());
    if (problem !== null) {
      setError({ message: problem, code: null });
      return;
    }
    setBusy(true);
    setError(null);
    const started = await api.setup(current, password());
    setBusy(false);
    if (!started.ok) {
      setError(started.error);
      return;
    }
    setPassword('');
    setRepeated('');
    setDone(true);
    // Signing in rebuilds the client and the router tree (nothing cached survives a change of
    // session), and the new router starts from the address bar: point it at the overview first,
    // or it would mount this page again, now without its token.
    window.history.replaceState(null, '', '/');
    session.signInWithSession(started.csrfToken);
  };

  return (
    <Show when={!done()} fallback={<Navigate href="/" />}>
      <section class="page page-narrow" aria-labelledby="setup-title">
        <h1 id="setup-title">Set your password</h1>
        <Show when={read()}>
          <Show
            when={token() !== null}
            fallback={
              <div class="banner banner-error" role="alert" data-testid="setup-no-token">
                This link has no set-up token. Open the whole link you were given, or ask an owner for a new one.
              </div>
            }
          >
            <form class="form" onSubmit={(event) => void submit(event)} novalidate>
              <p class="help">At least {MIN_PASSWORD_CHARS} characters. The link works once; it expires if unused.</p>
              <label for="setup-password">New password</label>
              <input
                id="setup-password"
                type="password"
                autocomplete="new-password"
                required
                value={password()}
                onInput={(event) => setPassword(event.currentTarget.value)}
                data-testid="setup-password"
              />
              <label for="setup-password-again">New password again</label>
              <input
                id="setup-password-again"
                type="password"
                autocomplete="new-password"
                required
                value={repeated()}
                onInput={(event) => setRepeated(event.currentTarget.value)}
                aria-invalid={error() !== null}
                data-testid="setup-password-again"
              />
              <ErrorBanner error={error()} testId="setup-error" />
              <button type="submit" class="button button-primary" disabled={busy()} data-testid="setup-submit">
                {busy() ? 'Saving…' : 'Set password and sign in'}
              </button>
            </form>
          </Show>
        </Show>
      </section>
    </Show>
  );
}
