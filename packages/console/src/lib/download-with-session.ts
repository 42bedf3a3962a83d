import { CSRF_HEADER } from '../auth/session-api.ts';
import type { Credentials } from '../auth/session.ts';
import type { ErrorDescription } from '../graphql/describe-error.ts';

/**
 * The headers that authenticate a same-origin call as this session, as /graphql takes them: a
 * bearer token, or (the cookie goes by itself) the cookie session's CSRF token.
 */
export function sessionHeaders(credentials: Credentials | null): Record<string, string> {
  if (credentials === null) return {};
  return credentials.kind === 'token' ? { authorization: `Bearer ${credentials.token}` } : { [CSRF_HEADER]: credentials.csrfToken };
}

/**
 * Downloads `path` (an /export/*.csv endpoint) as `filename` with the session's authentication.
 * A plain link cannot carry the bearer token or the CSRF header, so the file is fetched and
 * handed to the browser as a blob.
 * @returns null when the browser has the file, else what to tell the user (the server's message when it sent one).
 */
export async function downloadWithSession(path: string, credentials: Credentials | null, filename: string): Promise<ErrorDescription | null> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', headers: sessionHeaders(credentials) });
  } catch {
    return { message: 'Cannot reach the control plane. Check that Relay is running and try again.', code: null };
  }
  if (!response.ok) return refusalOf(await response.json().catch(() => null));
  const url = URL.createObjectURL(await response.blob());
  try {
    const link = document.createElement('a');
    link.href = url;
    link.download = filename;
    link.click();
  } finally {
    // The click has started the download; the blob stays readable for it after the revoke.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
  return null;
}

/** The admin API's error body (`{ errors: [{ message, extensions: { code } }] }`) as a banner. */
function refusalOf(body: unknown): ErrorDescription {
  const first = (body as { errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }> } | null)?.errors?.[0];
  return {
    message: typeof first?.message === 'string' ? first.message : 'The export failed.',
    code: typeof first?.extensions?.code === 'string' ? first.extensions.code : null,
  };
}
