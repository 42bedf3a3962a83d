import { createSignal, type Accessor } from 'solid-js';
import type { TokenStore } from './token-store.ts';

/** Why the session ended, so the sign-in page can say so. */
export type SignOutReason = 'signed-out' | 'token-rejected';

/**
 * The signed-in state: the admin token as a Solid signal, backed by a {@link TokenStore}.
 * Invariant: `token()` is null exactly when the store holds no token.
 */
export interface Session {
  token: Accessor<string | null>;
  signedIn: Accessor<boolean>;
  /** Why the last session ended; null before any sign-out and after a sign-in. */
  signOutReason: Accessor<SignOutReason | null>;
  signIn(token: string): void;
  signOut(reason: SignOutReason): void;
}

/** Creates the session, signed in already when the store holds a token from this tab. */
export function createSession(store: TokenStore): Session {
  const [token, setToken] = createSignal<string | null>(store.read());
  const [signOutReason, setSignOutReason] = createSignal<SignOutReason | null>(null);
  return {
    token,
    signedIn: () => token() !== null,
    signOutReason,
    signIn(next) {
      store.write(next);
      setSignOutReason(null);
      setToken(next);
    },
    signOut(reason) {
      // Several queries can fail with 401 at once; only the first ending counts.
      if (token() === null) return;
      store.clear();
      setSignOutReason(reason);
      setToken(null);
    },
  };
}
