import { DEFAULT_PASSWORD_HASH_COST, passwordHashParams, type PasswordHashParams } from './password-hash.ts';

/** How console sign-in behaves: session lifetime, password hash cost, where set-up links point. */
export interface AuthSettings {
  /** Idle lifetime of a console session (SESSION_TTL_HOURS): each use slides it, the cookie's Max-Age matches. */
  sessionTtlMs: number;
  /** scrypt parameters for new password hashes (PASSWORD_HASH_COST); older hashes are upgraded at sign-in. */
  passwordHash: PasswordHashParams;
  /**
   * The console's address as users reach it (RELAY_PUBLIC_URL), for set-up links; null = the
   * address the request creating the link was sent to.
   */
  publicUrl: string | null;
}

/** The defaults: 12-hour sessions, scrypt N = 2^17, links to the requested address. */
export const DEFAULT_AUTH_SETTINGS: AuthSettings = Object.freeze({
  sessionTtlMs: 12 * 3_600_000,
  passwordHash: passwordHashParams(DEFAULT_PASSWORD_HASH_COST),
  publicUrl: null,
});

/** The owner user bootstrap creates on an empty database when RELAY_OWNER_EMAIL is not set. */
export const DEFAULT_OWNER_EMAIL = 'owner@relay.local';
