/** A checked new-user form. */
export interface NewUser {
  email: string;
  name: string;
}

/**
 * Checks the create-user form: an email (trimmed, lower-cased so one person is one account)
 * and a display name. The server checks both again.
 */
export function checkNewUser(email: string, name: string): { ok: true; value: NewUser } | { ok: false; field: 'email' | 'name'; message: string } {
  const normalized = email.trim().toLowerCase();
  if (normalized === '') return { ok: false, field: 'email', message: 'Enter the person’s email address.' };
  if (normalized.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalized)) {
    return { ok: false, field: 'email', message: 'That does not look like an email address.' };
  }
  const trimmed = name.trim();
  if (trimmed === '') return { ok: false, field: 'name', message: 'Enter the name the console should show for them.' };
  if (trimmed.length > 200) return { ok: false, field: 'name', message: 'A name has at most 200 characters.' };
  return { ok: true, value: { email: normalized, name: trimmed } };
}

/** A user's state in one word: disabled wins, then a lock-out still running, then no password yet. */
export function userState(user: { disabledAt: string | null; lockedUntil: string | null; hasPassword: boolean }, nowMs: number): 'Disabled' | 'Locked' | 'Invited' | 'Active' {
  if (user.disabledAt !== null) return 'Disabled';
  if (user.lockedUntil !== null && Date.parse(user.lockedUntil) > nowMs) return 'Locked';
  return user.hasPassword ? 'Active' : 'Invited';
}
