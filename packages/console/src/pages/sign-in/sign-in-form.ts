/** A sign-in form's fields, checked before anything is sent. */
export interface PasswordSignIn {
  email: string;
  password: string;
}

/**
 * Trims the email and checks both fields are there and the email looks like one; the server
 * decides whether they are right. Passwords are sent exactly as typed (spaces are characters).
 * @returns the credentials to send, or the message to show.
 */
export function checkPasswordSignIn(email: string, password: string): { ok: true; value: PasswordSignIn } | { ok: false; message: string } {
  const trimmed = email.trim();
  if (trimmed === '' || password === '') return { ok: false, message: 'Enter your email address and password.' };
  if (!/^[^\s@]+@[^\s@]+$/.test(trimmed)) return { ok: false, message: 'That does not look like an email address.' };
  return { ok: true, value: { email: trimmed, password } };
}
