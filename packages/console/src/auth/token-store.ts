/**
 * Where the admin token lives between page loads: `sessionStorage`, so it is gone when the tab
 * closes and is never shared with other tabs or left on disk the way `localStorage` would be.
 * No Solid here, so the unit tests run it against a plain in-memory Storage.
 */

/** The sessionStorage key; namespaced so other apps on the same origin don't collide. */
export const TOKEN_STORAGE_KEY = 'proxystacks-relay.admin-token';

/** Reads, writes and clears the admin token; never throws (storage can be disabled). */
export interface TokenStore {
  read(): string | null;
  write(token: string): void;
  clear(): void;
}

/**
 * A token store over a Web Storage object. Storage that throws (Safari private mode, a
 * blocked origin) degrades to memory for this page, so sign-in still works until reload.
 */
export function createTokenStore(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null): TokenStore {
  let memory: string | null = null;
  return {
    read() {
      try {
        return storage?.getItem(TOKEN_STORAGE_KEY) ?? memory;
      } catch {
        return memory;
      }
    },
    write(token) {
      memory = token;
      try {
        storage?.setItem(TOKEN_STORAGE_KEY, token);
      } catch {
        // Memory copy above keeps this page signed in.
      }
    },
    clear() {
      memory = null;
      try {
        storage?.removeItem(TOKEN_STORAGE_KEY);
      } catch {
        // Nothing stored, nothing to clear.
      }
    },
  };
}

/** Trims a pasted token and rejects one that cannot be a bearer token (blank, inner spaces). */
export function normalizeToken(input: string): string | null {
  const token = input.trim();
  if (token === '' || /\s/.test(token)) return null;
  return token;
}
