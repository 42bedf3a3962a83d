import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSession } from '../src/auth/session.ts';
import { createSessionApi } from '../src/auth/session-api.ts';
import { createTokenStore } from '../src/auth/token-store.ts';
import { createRelayClient } from '../src/graphql/client.ts';
import { ViewerQuery } from '../src/graphql/viewer.graphql.ts';

// A loopback server answering the cookie-session contract of issue 7 (design doc): sign-in sets
// an HttpOnly cookie and answers the CSRF token; /graphql wants both cookie and x-csrf-token.
const EMAIL = 'ana@example.com';
const PASSWORD = 'correct horse battery staple';
const SETUP_TOKEN = 'relay-setup-0123456789';
const CSRF = 'csrf-0123456789abcdef';
const COOKIE = 'relay_session=s-1';

interface Seen {
  method: string | undefined;
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base: string;
let seen: Seen[] = [];
let sessionAlive = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method, path: req.url, headers: req.headers, body });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
      };
      const hasCookie = sessionAlive && (req.headers.cookie ?? '').includes(COOKIE);
      if (req.url === '/auth/sign-in') {
        const { email, password } = JSON.parse(body) as { email: string; password: string };
        if (email !== EMAIL || password !== PASSWORD) return json(401, { error: { message: 'Wrong email or password.', type: 'invalid_request_error', code: 'invalid_credentials', param: null } });
        sessionAlive = true;
        return json(200, { csrfToken: CSRF, viewer: { id: 'u1', name: EMAIL } }, { 'set-cookie': `${COOKIE}; HttpOnly; SameSite=Strict; Path=/` });
      }
      if (req.url === '/auth/setup') {
        const { token } = JSON.parse(body) as { token: string };
        if (token !== SETUP_TOKEN) return json(401, { error: { message: 'Expired link.', code: 'setup_link_invalid' } });
        sessionAlive = true;
        return json(200, { csrfToken: CSRF, viewer: { id: 'u1', name: EMAIL } });
      }
      if (req.url === '/auth/session') return hasCookie ? json(200, { csrfToken: CSRF, viewer: { id: 'u1' } }) : json(401, { error: { message: 'No session.' } });
      if (req.url === '/auth/sign-out') {
        if (req.headers['x-csrf-token'] === CSRF) sessionAlive = false;
        return json(200, {});
      }
      if (req.url === '/graphql') {
        if (!hasCookie || req.headers['x-csrf-token'] !== CSRF) return json(401, { errors: [{ message: 'Sign in.', extensions: { code: 'unauthenticated' } }] });
        return json(200, { data: { viewer: { id: 'u1', kind: 'user', name: EMAIL, role: 'ANALYST', grants: [{ role: 'ANALYST', teamId: null }] } } });
      }
      json(404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  sessionAlive = false;
});

/** Node's fetch keeps no cookies: this one does, for the one cookie the server sets (a browser's job). */
function cookieFetch(): typeof fetch {
  let cookie: string | null = null;
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (cookie !== null) headers.set('cookie', cookie);
    const response = await fetch(input, { ...init, headers });
    const set = response.headers.get('set-cookie');
    if (set !== null) cookie = set.split(';')[0]!;
    return response;
  };
}

describe('cookie session (issue 7)', () => {
  it('signs in with email and password, keeps the CSRF token in memory only and sends it on every GraphQL request', async () => {
    const browserFetch = cookieFetch();
    const storage = new Map<string, string>();
    const store = createTokenStore({ getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v), removeItem: (k) => void storage.delete(k) });
    const api = createSessionApi(browserFetch, base);
    const session = createSession(store, api);
    expect(session.ready()).toBe(false);
    await session.resume();
    expect(session.ready()).toBe(true);
    expect(session.signedIn()).toBe(false);

    const refused = await api.signIn(EMAIL, 'wrong password');
    expect(refused).toEqual({ ok: false, error: { message: 'That email and password were not accepted.', code: 'invalid_credentials' } });

    const started = await api.signIn(EMAIL, PASSWORD);
    expect(started).toEqual({ ok: true, csrfToken: CSRF });
    if (!started.ok) return;
    session.signInWithSession(started.csrfToken);
    expect(session.credentials()).toEqual({ kind: 'cookie', csrfToken: CSRF });
    expect(session.token()).toBeNull();
    expect(storage.size).toBe(0);

    const client = createRelayClient({ url: `${base}/graphql`, token: null, csrfToken: CSRF, fetch: browserFetch, onUnauthorized: () => expect.unreachable() });
    const result = await client.query(ViewerQuery, {}).toPromise();
    expect(result.data?.viewer.role).toBe('ANALYST');
    const graphql = seen.find((s) => s.path === '/graphql')!;
    expect(graphql.headers['x-csrf-token']).toBe(CSRF);
    expect(graphql.headers.authorization).toBeUndefined();

    // A reload: the cookie survives, the CSRF token is asked for again.
    const reloaded = createSession(store, api);
    await reloaded.resume();
    expect(reloaded.credentials()).toEqual({ kind: 'cookie', csrfToken: CSRF });

    reloaded.signOut('signed-out');
    await expect.poll(() => seen.some((s) => s.path === '/auth/sign-out' && s.headers['x-csrf-token'] === CSRF)).toBe(true);
    expect(reloaded.signedIn()).toBe(false);
    expect(reloaded.signOutReason()).toBe('signed-out');
    expect(sessionAlive).toBe(false);
  });

  it('signs a cookie session out as "session ended" when the server answers 401', async () => {
    let ended = 0;
    const client = createRelayClient({ url: `${base}/graphql`, token: null, csrfToken: 'stale', onUnauthorized: () => ended++ });
    await client.query(ViewerQuery, {}).toPromise();
    expect(ended).toBe(1);
    const session = createSession(createTokenStore(null), null);
    session.signInWithSession('stale');
    session.signOut('token-rejected');
    expect(session.signOutReason()).toBe('session-ended');
  });

  it('sets a password from a set-up link and reports a dead link plainly', async () => {
    const api = createSessionApi(cookieFetch(), base);
    expect(await api.setup('relay-setup-wrong', PASSWORD)).toEqual({
      ok: false,
      error: { message: 'This set-up link is not valid any more. Ask an owner for a new one.', code: 'setup_link_invalid' },
    });
    expect(await api.setup(SETUP_TOKEN, PASSWORD)).toEqual({ ok: true, csrfToken: CSRF });
    const setup = seen.filter((s) => s.path === '/auth/setup').at(-1)!;
    expect(setup.method).toBe('POST');
    expect(JSON.parse(setup.body)).toEqual({ token: SETUP_TOKEN, password: PASSWORD });
  });

  it('prefers a token session from this tab and never asks the server then', async () => {
    const storage = new Map([['proxystacks-relay.admin-token', 'relay-admin-abc']]);
    const store = createTokenStore({ getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v), removeItem: (k) => void storage.delete(k) });
    const session = createSession(store, createSessionApi(cookieFetch(), base));
    expect(session.ready()).toBe(true);
    await session.resume();
    expect(session.credentials()).toEqual({ kind: 'token', token: 'relay-admin-abc' });
    expect(seen).toEqual([]);
    // Signing in with a password replaces the stored token.
    session.signInWithSession(CSRF);
    expect(storage.size).toBe(0);
  });
});
