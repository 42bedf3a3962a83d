import { InputError } from '../domain/input-error.ts';

/** Shortest password accepted, in characters (NIST SP 800-63B asks for at least 8; we ask for a passphrase). */
export const MIN_PASSWORD_CHARS = 12;
/** Longest: enough for any passphrase or password manager, short enough to hash cheaply. */
export const MAX_PASSWORD_CHARS = 256;

/** What the policy says, word for word in every refusal, so a user knows what to change. */
export const PASSWORD_POLICY = `A password must be ${MIN_PASSWORD_CHARS} to ${MAX_PASSWORD_CHARS} characters long and not one character repeated.`;

/**
 * Checks a new password against the policy: length in characters (code points, so emoji and
 * accented letters count once) and not a single repeated character. No composition rules:
 * length is what makes a password strong, and rules push people to predictable patterns.
 * @throws InputError (param `password`) quoting {@link PASSWORD_POLICY}.
 */
export function checkNewPassword(password: unknown): string {
  if (typeof password !== 'string') throw new InputError(PASSWORD_POLICY, 'BAD_USER_INPUT', 'password');
  const chars = [...password.normalize('NFC')];
  if (chars.length < MIN_PASSWORD_CHARS || chars.length > MAX_PASSWORD_CHARS || chars.every((c) => c === chars[0])) {
    throw new InputError(PASSWORD_POLICY, 'BAD_USER_INPUT', 'password');
  }
  return password;
}
