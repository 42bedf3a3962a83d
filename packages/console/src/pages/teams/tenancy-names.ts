/** Longest team or project name the forms accept. */
export const MAX_NAME_CHARS = 200;

/** The server's rule for environment names: a lower-case slug, 1–63 characters, inner hyphens only. */
const ENVIRONMENT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A checked name, or the message to show next to the field. */
export type NameCheck = { ok: true; name: string } | { ok: false; message: string };

/** Team and project names: trimmed, not empty, at most {@link MAX_NAME_CHARS}. */
export function checkDisplayName(input: string, what: 'team' | 'project'): NameCheck {
  const name = input.trim();
  if (name === '') return { ok: false, message: `Give the ${what} a name.` };
  if (name.length > MAX_NAME_CHARS) return { ok: false, message: `A ${what} name has at most ${MAX_NAME_CHARS} characters.` };
  return { ok: true, name };
}

/**
 * Environment names are referred to by routes and providers, so they are slugs (`eu-staging`).
 * Upper case is lowered for the user rather than refused; anything else wrong is explained.
 */
export function checkEnvironmentName(input: string): NameCheck {
  const name = input.trim().toLowerCase();
  if (name === '') return { ok: false, message: 'Give the environment a name, such as eu-staging.' };
  if (!ENVIRONMENT_NAME.test(name)) {
    return { ok: false, message: 'Use 1–63 characters: a–z, 0–9 and hyphens between them (such as eu-staging).' };
  }
  return { ok: true, name };
}
