import type { ErrorDescription } from '../graphql/describe-error.ts';

/** Header carrying the session's CSRF token on every cookie-authenticated POST (/graphql, /auth/*). */
export const CSRF_HEADER = 'x-csrf-token';

/** The outcome of a sign-in or set-up call: the session's CSRF token, or what to tell the user. */
export type SessionStart = { ok: true; csrfToken: string } | { ok: false; error: ErrorDescription };

/**
 * The control plane's cookie-session endpoints (REST, not GraphQL). The session itself lives in
 * an HttpOnly cookie the page cannot read; what the page keeps is the CSRF token from the answer,
 * in memory only, so a reload asks `GET /auth/session` for it again.
 */
export interface SessionApi {
  /** The CSRF token of the cookie session this browser already has, or null when there is none. */
  resume(): Promise<string | null>;
  signIn(email: string, password: string): Promise<SessionStart>;
  /** Sets the password from a one-time set-up link's token and signs in. */
  setup(token: string, password: string): Promise<SessionStart>;
  /** Ends this browser's session on the server; failures are ignored (the page forgets it anyway). */
  signOut(csrfToken: string): Promise<void>;
}

/** A session API over `fetch`, same origin (`base` '' in the console). */
export function createSessionApi(fetchFn: typeof globalThis.fetch = (...args) => globalThis.fetch(...args), base = ''): SessionApi {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetchFn(`${base}${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  return {
    async resume() {
      try {
        const response = await fetchFn(`${base}/auth/session`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
        if (!response.ok) return null;
        return csrfTokenOf(await response.json().catch(() => null));
      } catch {
        return null;
      }
    },
    signIn: (email, password) => start(() => post('/auth/sign-in', { email, password }), 'That email and password were not accepted.'),
    setup: (token, password) => start(() => post('/auth/setup', { token, password }), 'This set-up link is not valid any more. Ask an owner for a new one.'),
    async signOut(csrfToken) {
      await post('/auth/sign-out', {}, { [CSRF_HEADER]: csrfToken }).catch(() => undefined);
    },
  };
}

async function start(call: () => Promise<Response>, refusedMessage: string): Promise<SessionStart> {
  let response: Response;
  try {
    response = await call();
  } catch {
    return { ok: false, error: { message: 'Cannot reach the control plane. Check that Relay is running and try again.', code: null } };
  }
  const body: unknown = await response.json().catch(() => null);
  const csrfToken = response.ok ? csrfTokenOf(body) : null;
  if (csrfToken !== null) return { ok: true, csrfToken };
  const server = serverError(body);
  // A 401 is the expected "wrong password / dead link": say it plainly, keep the server's code.
  if (response.status === 401) return { ok: false, error: { message: refusedMessage, code: server?.code ?? 'unauthenticated' } };
  return { ok: false, error: server ?? { message: `Sign-in failed (HTTP ${response.status}).`, code: null } };
}

function csrfTokenOf(body: unknown): string | null {
  const token = (body as { csrfToken?: unknown } | null)?.csrfToken;
  return typeof token === 'string' && token !== '' ? token : null;
}

/** The message of an OpenAI-shaped `{error:{message,code}}` or GraphQL-shaped `{errors:[…]}` body. */
export function serverError(body: unknown): ErrorDescription | null {
  const b = body as { error?: { message?: unknown; code?: unknown }; errors?: { message?: unknown; extensions?: { code?: unknown } }[] } | null;
  const one = b?.error ?? (b?.errors?.[0] ? { message: b.errors[0].message, code: b.errors[0].extensions?.code } : undefined);
  if (one === undefined || typeof one.message !== 'string') return null;
  return { message: one.message, code: typeof one.code === 'string' ? one.code : null };
}
