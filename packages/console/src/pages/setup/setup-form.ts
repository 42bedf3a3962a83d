/** Shortest password the set-up form accepts; the server's own policy is checked again on submit. */
export const MIN_PASSWORD_CHARS = 12;
/** Longest: a bound on what is hashed, far above any passphrase. */
export const MAX_PASSWORD_CHARS = 512;

/**
 * The set-up token from a link's fragment (`#token=…`). The token travels in the fragment so it
 * never reaches a server log or a Referer header; null when the link has none.
 * @example setupTokenFromHash('#token=abc') === 'abc'
 */
export function setupTokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const token = params.get('token')?.trim() ?? '';
  return token === '' || /\s/.test(token) ? null : token;
}

/**
 * Checks a new password typed twice: long enough, not absurdly long, and the same both times.
 * @returns null when it may be sent, else the message to show.
 */
export function checkNewPassword(password: string, repeated: string): string | null {
  if (password.length < MIN_PASSWORD_CHARS) return `Use at least ${MIN_PASSWORD_CHARS} characters; a few unrelated words make a good one.`;
  if (password.length > MAX_PASSWORD_CHARS) return `Use at most ${MAX_PASSWORD_CHARS} characters.`;
  if (password.trim() === '') return 'A password cannot be only spaces.';
  if (password !== repeated) return 'The two passwords are not the same.';
  return null;
}
