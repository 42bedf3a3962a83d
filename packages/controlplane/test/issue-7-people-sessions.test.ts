import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '@proxystacks/shared/keys/key-format';
import { loadControlplaneConfig } from '../src/config.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';
import { completeSetup, postAuth, sessionGql, signIn, type ConsoleSession } from './support/console-session.ts';

/**
 * Issue 7, console sessions over real HTTP: sign-in sets an HttpOnly, SameSite=Strict cookie
 * holding a token only the HMAC of which is stored; GraphQL with that cookie needs the
 * session's CSRF token (missing or forged: refused); a bearer token wins over a cookie;
 * sign-out, sign out everywhere and disabling a user end sessions at once; /auth/* takes JSON
 * only, capped at 16 KiB.
 */
const PASSWORD = 'correct horse battery staple';
const VIEWER = '{ viewer { kind name role } }';

let h: GraphQLHarness;

async function newUser(email: string, role: 'OWNER' | 'ADMIN' | 'ANALYST' | 'VIEWER', teamId?: string): Promise<{ id: string; session: ConsoleSession }> {
  const { createUser } = await h.ok<{ createUser: { setupUrl: string; user: { id: string } } }>(
    'mutation($input: CreateUserInput!) { createUser(input: $input) { setupUrl user { id } } }',
    { input: { email, name: email, role, ...(teamId ? { teamId } : {}) } },
  );
  return { id: createUser.user.id, session: await completeSetup(h.origin, createUser.setupUrl, PASSWORD) };
}

async function auditActions(where: { objectType?: string; objectId?: string; requestId?: string }) {
  return (await h.db.prisma.auditEntry.findMany({ where: { orgId: h.orgId, ...where }, orderBy: { id: 'asc' } })).map((e) => `${e.actorType}:${e.action}:${e.objectType}`);
}

beforeAll(async () => {
  h = await startGraphQLHarness();
}, 120_000);

afterAll(() => h?.close());

describe('sign-in and the session cookie', () => {
  it('sets an HttpOnly, SameSite=Strict, Path=/ cookie with the session lifetime; stores only its HMAC', async () => {
    await newUser('alice@example.com', 'ADMIN');
    const answer = await postAuth(h.origin, '/auth/sign-in', { email: 'Alice@Example.com ', password: PASSWORD }, { 'x-request-id': 'req-sign-in-alice' });
    expect(answer.status).toBe(200);
    const setCookie = answer.headers.get('set-cookie')!;
    const [pair, ...attributes] = setCookie.split('; ');
    expect(pair).toMatch(/^relay_session=[0-9A-Za-z]{43}$/);
    expect(attributes.sort()).toEqual(['HttpOnly', `Max-Age=${12 * 3600}`, 'Path=/', 'SameSite=Strict']);
    expect(answer.body).toMatchObject({ csrfToken: expect.any(String), viewer: { kind: 'user', name: 'alice@example.com', role: 'ADMIN' } });

    const token = pair!.slice('relay_session='.length);
    const session = await h.db.prisma.userSession.findUniqueOrThrow({ where: { tokenHash: hashKey(token, h.keySecret) } });
    expect(JSON.stringify(session)).not.toContain(token);
    expect(JSON.stringify(session)).not.toContain(answer.body.csrfToken as string);
    expect(session.expiresAt.getTime() - session.createdAt.getTime()).toBe(12 * 3_600_000);
    expect(await auditActions({ requestId: 'req-sign-in-alice' })).toEqual(['USER:signIn:User', 'USER:signIn:UserSession']);
  });

  it('marks the cookie Secure when the request came over https (x-forwarded-proto)', async () => {
    const answer = await postAuth(h.origin, '/auth/sign-in', { email: 'alice@example.com', password: PASSWORD }, { 'x-forwarded-proto': 'https' });
    expect(answer.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('answers a wrong password and an unknown email alike: 401, same message', async () => {
    const wrong = await postAuth(h.origin, '/auth/sign-in', { email: 'alice@example.com', password: 'not the password at all' });
    const unknown = await postAuth(h.origin, '/auth/sign-in', { email: 'nobody@example.com', password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.error).toMatchObject({ code: 'unauthenticated', type: 'authentication_error' });
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('GET /auth/session hands a reloaded page its CSRF token back, or answers 401', async () => {
    const session = await signIn(h.origin, 'alice@example.com', PASSWORD);
    const again = await fetch(`${h.origin}/auth/session`, { headers: { cookie: session.cookie } });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ csrfToken: session.csrfToken, viewer: { name: 'alice@example.com' } });
    expect((await fetch(`${h.origin}/auth/session`)).status).toBe(401);
    expect((await fetch(`${h.origin}/auth/session`, { headers: { cookie: 'relay_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).status).toBe(401);
  });
});

describe('GraphQL with the session cookie', () => {
  let alice: ConsoleSession;
  let bob: ConsoleSession;
  beforeAll(async () => {
    alice = await signIn(h.origin, 'alice@example.com', PASSWORD);
    bob = (await newUser('bob@example.com', 'VIEWER')).session;
  });

  it('works with the CSRF token, as the user, with their grants', async () => {
    const { status, body } = await sessionGql(h.url, alice, VIEWER);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { viewer: { kind: 'user', name: 'alice@example.com', role: 'ADMIN' } } });
  });

  it('is refused without the CSRF token, with a forged one, and with another session’s', async () => {
    for (const csrf of [null, '', 'forged-token', bob.csrfToken, `${alice.csrfToken}x`]) {
      const { status, body } = await sessionGql(h.url, alice, VIEWER, {}, { csrf });
      expect({ csrf, status, code: body.errors?.[0]?.extensions?.code, data: body.data }).toEqual({ csrf, status: 403, code: 'csrf_token_invalid', data: undefined });
    }
    // A GET carries no body but the same rule.
    const get = await fetch(`${h.url}?query=${encodeURIComponent(VIEWER)}`, { headers: { cookie: alice.cookie, accept: 'application/json' } });
    expect(get.status).toBe(403);
  });

  it('a refused mutation changes nothing', async () => {
    const before = await h.db.prisma.team.count();
    const { status } = await sessionGql(h.url, alice, 'mutation { createTeam(input: { name: "csrf victim" }) { id } }', {}, { csrf: null });
    expect(status).toBe(403);
    expect(await h.db.prisma.team.count()).toBe(before);
  });

  it('a mutation with cookie and CSRF is audited as the user', async () => {
    const { body } = await sessionGql<{ createTeam: { id: string } }>(h.url, alice, 'mutation { createTeam(input: { name: "Alice team" }) { id } }', {}, { headers: { 'x-request-id': 'req-alice-team' } });
    expect(body.errors).toBeUndefined();
    const [entry] = await h.db.prisma.auditEntry.findMany({ where: { requestId: 'req-alice-team', objectType: 'Team' } });
    expect(entry).toMatchObject({ actorType: 'USER', actorLabel: 'alice@example.com', action: 'createTeam', clientAddress: expect.stringMatching(/127\.0\.0\.1/) });
  });

  it('a bearer token wins over the cookie: a bad one is refused, a good one is the token', async () => {
    const bad = await sessionGql(h.url, alice, VIEWER, {}, { headers: { authorization: 'Bearer relay-tok-not-a-real-token' } });
    expect(bad.status).toBe(401);
    const good = await sessionGql<{ viewer: { kind: string } }>(h.url, alice, VIEWER, {}, { csrf: null, headers: { authorization: `Bearer ${h.adminToken}` } });
    expect(good.body.data?.viewer.kind).toBe('token');
  });

  it('a viewer user may not do what the role does not allow', async () => {
    const { body } = await sessionGql(h.url, bob, 'mutation { createTeam(input: { name: "viewer team" }) { id } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('forbidden');
  });

  it('an expired session is refused; a used one slides its expiry and re-sends the cookie', async () => {
    const session = await signIn(h.origin, 'bob@example.com', PASSWORD);
    const row = await h.db.prisma.userSession.findUniqueOrThrow({ where: { tokenHash: hashKey(session.cookie.slice('relay_session='.length), h.keySecret) } });
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await h.db.prisma.userSession.update({ where: { id: row.id }, data: { lastSeenAt: twoMinutesAgo, expiresAt: new Date(Date.now() + 60_000) } });
    const slid = await sessionGql(h.url, session, VIEWER);
    expect(slid.status).toBe(200);
    expect(slid.headers.get('set-cookie')).toMatch(new RegExp(`^${session.cookie}; Max-Age=${12 * 3600}; Path=/; HttpOnly; SameSite=Strict$`));
    const after = await h.db.prisma.userSession.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.expiresAt.getTime()).toBeGreaterThan(Date.now() + 12 * 3_600_000 - 60_000);

    await h.db.prisma.userSession.update({ where: { id: row.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await sessionGql(h.url, session, VIEWER)).status).toBe(401);
  });
});

describe('ending sessions', () => {
  it('sign-out needs the CSRF token, ends the session, clears the cookie and is audited', async () => {
    const session = await signIn(h.origin, 'alice@example.com', PASSWORD);
    const refused = await postAuth(h.origin, '/auth/sign-out', {}, { cookie: session.cookie });
    expect(refused.status).toBe(403);
    expect((await sessionGql(h.url, session, VIEWER)).status).toBe(200);

    const out = await postAuth(h.origin, '/auth/sign-out', {}, { cookie: session.cookie, 'x-csrf-token': session.csrfToken, 'x-request-id': 'req-sign-out' });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^relay_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/);
    expect((await sessionGql(h.url, session, VIEWER)).status).toBe(401);
    expect(await auditActions({ requestId: 'req-sign-out' })).toEqual(['USER:signOut:UserSession']);
  });

  it('sign out everywhere (yourself) ends every session of the user, other browsers included', async () => {
    const first = await signIn(h.origin, 'alice@example.com', PASSWORD);
    const second = await signIn(h.origin, 'alice@example.com', PASSWORD);
    const alive = await h.db.prisma.userSession.count({ where: { user: { email: 'alice@example.com' } } });
    const { body } = await sessionGql<{ signOutEverywhere: number }>(h.url, first, 'mutation { signOutEverywhere }', {}, { headers: { 'x-request-id': 'req-everywhere' } });
    expect(body.data?.signOutEverywhere).toBe(alive);
    expect((await sessionGql(h.url, first, VIEWER)).status).toBe(401);
    expect((await sessionGql(h.url, second, VIEWER)).status).toBe(401);
    expect(await auditActions({ requestId: 'req-everywhere' })).toEqual(Array(alive).fill('USER:signOutEverywhere:UserSession'));
  });

  it('another user’s sessions only with members:manage', async () => {
    const carol = await newUser('carol@example.com', 'VIEWER');
    const bob = await signIn(h.origin, 'bob@example.com', PASSWORD);
    const refused = await sessionGql(h.url, bob, 'mutation($id: ID) { signOutEverywhere(userId: $id) }', { id: carol.id });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('forbidden');
    expect((await sessionGql(h.url, carol.session, VIEWER)).status).toBe(200);
    const ended = await h.ok<{ signOutEverywhere: number }>('mutation($id: ID) { signOutEverywhere(userId: $id) }', { id: carol.id });
    expect(ended.signOutEverywhere).toBe(1);
    expect((await sessionGql(h.url, carol.session, VIEWER)).status).toBe(401);
  });

  it('disabling a user ends their sessions at once and refuses sign-in until enabled', async () => {
    const dave = await newUser('dave@example.com', 'ANALYST');
    await h.ok('mutation($id: ID!) { disableUser(id: $id) { disabledAt } }', { id: dave.id });
    expect((await sessionGql(h.url, dave.session, VIEWER)).status).toBe(401);
    expect((await postAuth(h.origin, '/auth/sign-in', { email: 'dave@example.com', password: PASSWORD })).status).toBe(401);
    // A session row that escaped (it cannot: same transaction) would still be refused: the user is checked on every request.
    await h.ok('mutation($id: ID!) { enableUser(id: $id) { id } }', { id: dave.id });
    const back = await signIn(h.origin, 'dave@example.com', PASSWORD);
    await h.db.prisma.user.update({ where: { id: dave.id }, data: { disabledAt: new Date() } });
    expect((await sessionGql(h.url, back, VIEWER)).status).toBe(401);
  });
});

describe('/auth/* requests', () => {
  it('takes JSON only, at most 16 KiB, and says what was wrong', async () => {
    const form = await fetch(`${h.origin}/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a&password=b' });
    expect(form.status).toBe(415);
    expect(((await form.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    const big = await fetch(`${h.origin}/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(17 * 1024) }) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
    const broken = await fetch(`${h.origin}/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email": ' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    const get = await fetch(`${h.origin}/auth/sign-in`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${h.origin}/auth/nothing-here`)).status).toBe(404);
  });
});

describe('configuration', () => {
  const base = { RELAY_KEY_SECRET: 'k'.repeat(32), RELAY_MASTER_KEY: 'a'.repeat(64), RELAY_INTERNAL_TOKEN: 'i'.repeat(32) };
  it('reads SESSION_TTL_HOURS, PASSWORD_HASH_COST, RELAY_OWNER_EMAIL and RELAY_PUBLIC_URL', () => {
    const config = loadControlplaneConfig({ ...base, SESSION_TTL_HOURS: '2', PASSWORD_HASH_COST: '15', RELAY_OWNER_EMAIL: 'Boss@Example.com', RELAY_PUBLIC_URL: 'https://relay.example.com/' });
    expect(config.auth).toEqual({ sessionTtlMs: 2 * 3_600_000, passwordHash: { n: 2 ** 15, r: 8, p: 1 }, publicUrl: 'https://relay.example.com' });
    expect(config.ownerEmail).toBe('boss@example.com');
    expect(loadControlplaneConfig(base).auth).toEqual({ sessionTtlMs: 12 * 3_600_000, passwordHash: { n: 2 ** 17, r: 8, p: 1 }, publicUrl: null });
  });
  it('refuses a hash cost below 2^14 and a session lifetime of 0', () => {
    expect(() => loadControlplaneConfig({ ...base, PASSWORD_HASH_COST: '13', SESSION_TTL_HOURS: '0' })).toThrow(/PASSWORD_HASH_COST[\s\S]*SESSION_TTL_HOURS|SESSION_TTL_HOURS[\s\S]*PASSWORD_HASH_COST/);
  });
});
