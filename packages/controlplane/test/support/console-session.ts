/**
 * A console browser as tests see it: the /auth/* endpoints over real HTTP, the session cookie
 * kept by hand (fetch keeps none), and GraphQL with the cookie and the CSRF token.
 */

/** A signed-in console session: the cookie's token and the CSRF token the server handed out. */
export interface ConsoleSession {
  cookie: string;
  csrfToken: string;
  /** The raw Set-Cookie header of the answer that opened it. */
  setCookie: string;
}

/** An answer of an /auth/* endpoint. */
export interface AuthAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error?: { message: string; type: string; code: string; param: string | null } };
}

/** POSTs JSON to `origin + path`, with optional cookie/CSRF/extra headers. */
export async function postAuth(origin: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<AuthAnswer> {
  const response = await fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as AuthAnswer['body'] };
}

/** The session an answer opened (its Set-Cookie and csrfToken); throws when it opened none. */
export function sessionOf(answer: AuthAnswer): ConsoleSession {
  const setCookie = answer.headers.get('set-cookie') ?? '';
  const match = /^relay_session=([0-9A-Za-z]+);/.exec(setCookie);
  if (answer.status !== 200 || !match || typeof answer.body.csrfToken !== 'string') throw new Error(`no session opened: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { cookie: `relay_session=${match[1]}`, csrfToken: answer.body.csrfToken, setCookie };
}

export async function signIn(origin: string, email: string, password: string): Promise<ConsoleSession> {
  return sessionOf(await postAuth(origin, '/auth/sign-in', { email, password }));
}

/** Uses a set-up link's token (the fragment of its URL) to set the password; returns the session. */
export async function completeSetup(origin: string, setupUrl: string, password: string): Promise<ConsoleSession> {
  return sessionOf(await postAuth(origin, '/auth/setup', { token: tokenOfSetupUrl(setupUrl), password }));
}

export function tokenOfSetupUrl(setupUrl: string): string {
  const match = /#token=(\S+)$/.exec(setupUrl);
  if (!match) throw new Error(`not a set-up URL: ${setupUrl}`);
  return match[1]!;
}

/** A GraphQL call with the session cookie; `csrf` overrides the CSRF header (null = none sent). */
export async function sessionGql<T = Record<string, unknown>>(
  graphqlUrl: string,
  session: ConsoleSession,
  query: string,
  variables: Record<string, unknown> = {},
  options: { csrf?: string | null; headers?: Record<string, string> } = {},
) {
  const csrf = options.csrf === undefined ? session.csrfToken : options.csrf;
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: session.cookie, ...(csrf === null ? {} : { 'x-csrf-token': csrf }), ...options.headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  return { status: response.status, headers: response.headers, body };
}
