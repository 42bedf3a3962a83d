import { createSignal, type Accessor } from 'solid-js';
import type { SessionApi } from './session-api.ts';
import type { TokenStore } from './token-store.ts';

/** Why the session ended, so the sign-in page can say so. */
export type SignOutReason = 'signed-out' | 'signed-out-everywhere' | 'token-rejected' | 'session-ended';

/**
 * How this tab proves who it is: an API token sent as a bearer token (automation, the bootstrap
 * token), or a cookie session whose CSRF token is kept in memory and sent as `x-csrf-token`.
 */
export type Credentials = { kind: 'token'; token: string } | { kind: 'cookie'; csrfToken: string };

/**
 * The signed-in state as Solid signals. Invariants: `credentials()` is a token exactly when the
 * store holds one; a cookie session's CSRF token is never written to storage.
 */
export interface Session {
  credentials: Accessor<Credentials | null>;
  /** The API token of a token session; null for cookie sessions and signed out. */
  token: Accessor<string | null>;
  signedIn: Accessor<boolean>;
  /** False until {@link Session.resume} has asked the server for an existing cookie session. */
  ready: Accessor<boolean>;
  /** Why the last session ended; null before any sign-out and after a sign-in. */
  signOutReason: Accessor<SignOutReason | null>;
  /** Token sign-in (for automation); the token is kept in sessionStorage for this tab. */
  signIn(token: string): void;
  /** Cookie sign-in: `csrfToken` from POST /auth/sign-in or /auth/setup. */
  signInWithSession(csrfToken: string): void;
  /** Ends the session here, and on the server for a cookie session (unless it ended there already). */
  signOut(reason: SignOutReason): void;
  /** Picks up the cookie session a reload left behind; resolves when `ready()`. */
  resume(): Promise<void>;
}

/** Creates the session, signed in already when the store holds a token from this tab. */
export function createSession(store: TokenStore, api: SessionApi | null = null): Session {
  const stored = store.read();
  const [credentials, setCredentials] = createSignal<Credentials | null>(stored === null ? null : { kind: 'token', token: stored });
  const [ready, setReady] = createSignal(stored !== null || api === null);
  const [signOutReason, setSignOutReason] = createSignal<SignOutReason | null>(null);
  return {
    credentials,
    token: () => {
      const current = credentials();
      return current?.kind === 'token' ? current.token : null;
    },
    signedIn: () => credentials() !== null,
    ready,
    signOutReason,
    signIn(next) {
      store.write(next);
      setSignOutReason(null);
      setCredentials({ kind: 'token', token: next });
      setReady(true);
    },
    signInWithSession(csrfToken) {
      // A cookie session replaces a token session: never send both.
      store.clear();
      setSignOutReason(null);
      setCredentials({ kind: 'cookie', csrfToken });
      setReady(true);
    },
    signOut(reason) {
      // Several queries can fail with 401 at once; only the first ending counts.
      const current = credentials();
      if (current === null) return;
      store.clear();
      if (current.kind === 'cookie' && (reason === 'signed-out' || reason === 'signed-out-everywhere')) {
        void api?.signOut(current.csrfToken);
      }
      setSignOutReason(current.kind === 'cookie' && reason === 'token-rejected' ? 'session-ended' : reason);
      setCredentials(null);
    },
    async resume() {
      if (ready() || api === null) return;
      const csrfToken = await api.resume();
      // A sign-in that finished while we asked wins over what the server said before it.
      if (csrfToken !== null && credentials() === null) setCredentials({ kind: 'cookie', csrfToken });
      setReady(true);
    },
  };
}
