import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, passwordHashParams, verifyPassword } from '../src/auth/password-hash.ts';
import { PASSWORD_POLICY } from '../src/auth/password-policy.ts';
import { lockoutMs } from '../src/auth/sign-in.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';
import { completeSetup, postAuth } from './support/console-session.ts';

/**
 * Issue 7, passwords and lock-out: scrypt hashes in `scrypt$N$r$p$salt$hash` that verify and
 * upgrade at sign-in when the cost changes; the password policy; after 5 consecutive failures
 * an account locks for 30 s, doubling per further failure up to 15 min, and while locked even
 * the right password is refused with 429 and not checked. Time is moved by editing lockedUntil,
 * never by sleeping.
 */
const PASSWORD = 'a long enough passphrase';
const COST_14 = passwordHashParams(14);

let h: GraphQLHarness;
let userId: string;

beforeAll(async () => {
  h = await startGraphQLHarness();
  const { createUser } = await h.ok<{ createUser: { setupUrl: string; user: { id: string } } }>(
    'mutation { createUser(input: { email: "erin@example.com", name: "Erin", role: VIEWER }) { setupUrl user { id } } }',
  );
  userId = createUser.user.id;
  await completeSetup(h.origin, createUser.setupUrl, PASSWORD);
}, 120_000);

afterAll(() => h?.close());

const user = () => h.db.prisma.user.findUniqueOrThrow({ where: { id: userId } });
const attempt = (password: string, requestId?: string) =>
  postAuth(h.origin, '/auth/sign-in', { email: 'erin@example.com', password }, requestId ? { 'x-request-id': requestId } : {});

describe('password hashes', () => {
  it('round-trips in the stored format and refuses a wrong password or a malformed hash', async () => {
    const stored = await hashPassword('pässwörd with ümlauts', COST_14);
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(await verifyPassword('pässwörd with ümlauts', stored, COST_14)).toEqual({ ok: true, needsRehash: false });
    // Unicode normalisation: the same letters typed as base + combining mark still match.
    expect((await verifyPassword('pa\u0308sswo\u0308rd with u\u0308mlauts', stored, COST_14)).ok).toBe(true);
    expect(await verifyPassword('pässwörd with umlauts', stored, COST_14)).toEqual({ ok: false, needsRehash: false });
    expect(await hashPassword('pässwörd with ümlauts', COST_14)).not.toBe(stored); // fresh salt
    for (const bad of ['', 'scrypt$16384$8$1$abc', 'bcrypt$x$y$z$a$b', stored.replace('$16384$', '$16383$'), stored.replace('$16384$', `$${2 ** 30}$`)]) {
      expect((await verifyPassword('pässwörd with ümlauts', bad, COST_14)).ok).toBe(false);
    }
  });

  it('says a hash needs an upgrade when the configured cost differs', async () => {
    const old = await hashPassword(PASSWORD, passwordHashParams(15));
    expect(await verifyPassword(PASSWORD, old, COST_14)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('wrong password here', old, COST_14)).toEqual({ ok: false, needsRehash: false });
  });

  it('sign-in rehashes a password stored under other parameters', async () => {
    await h.db.prisma.user.update({ where: { id: userId }, data: { passwordHash: await hashPassword(PASSWORD, passwordHashParams(15)) } });
    expect((await attempt(PASSWORD)).status).toBe(200);
    const { passwordHash } = await user();
    expect(passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword(PASSWORD, passwordHash!, COST_14)).toEqual({ ok: true, needsRehash: false });
  });

  it('refuses a weak new password at set-up, quoting the policy', async () => {
    expect(PASSWORD_POLICY).toBe('A password must be 12 to 256 characters long and not one character repeated.');
    const { createSetupLink } = await h.ok<{ createSetupLink: { setupUrl: string } }>('mutation($id: ID!) { createSetupLink(userId: $id) { setupUrl } }', { id: userId });
    const token = createSetupLink.setupUrl.split('#token=')[1];
    for (const weak of ['short pass', 'a'.repeat(40), 'x'.repeat(257), 12345678901234]) {
      const answer = await postAuth(h.origin, '/auth/setup', { token, password: weak });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toEqual({ message: PASSWORD_POLICY, type: 'invalid_request_error', code: 'invalid_value', param: 'password' });
    }
    // Refusals did not use up the link.
    expect((await postAuth(h.origin, '/auth/setup', { token, password: PASSWORD })).status).toBe(200);
  });
});

describe('lock-out with back-off', () => {
  it('lock durations: 30 s from the 5th failure, doubling, at most 15 min', () => {
    expect([1, 4, 5, 6, 7, 8, 9, 10, 11, 50].map(lockoutMs)).toEqual([0, 0, 30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
  });

  it('locks after 5 failures, refuses the right password with 429 while locked, backs off, and resets on success', async () => {
    for (let i = 1; i <= 4; i++) {
      expect((await attempt(`wrong password ${i}`)).status).toBe(401);
      expect(await user()).toMatchObject({ failedSignIns: i, lockedUntil: null });
    }
    const beforeFifth = Date.now();
    expect((await attempt('wrong password 5', 'req-fifth')).status).toBe(401);
    const locked = await user();
    expect(locked.failedSignIns).toBe(5);
    expect(locked.lockedUntil!.getTime()).toBeGreaterThanOrEqual(beforeFifth + 30_000);
    expect(locked.lockedUntil!.getTime()).toBeLessThanOrEqual(Date.now() + 30_000);

    // Locked: even the right password is refused, with retry-after, and nothing is counted.
    const refused = await attempt(PASSWORD, 'req-while-locked');
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'account_locked', type: 'rate_limit_error' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(25);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(await user()).toMatchObject({ failedSignIns: 5, lockedUntil: locked.lockedUntil });

    // The lock runs out (moved into the past); each further failure doubles it.
    for (const [failures, lockMs] of [[6, 60_000], [7, 120_000], [8, 240_000]] as const) {
      await h.db.prisma.user.update({ where: { id: userId }, data: { lockedUntil: new Date(Date.now() - 1) } });
      const before = Date.now();
      expect((await attempt('still wrong password')).status).toBe(401);
      const row = await user();
      expect(row.failedSignIns).toBe(failures);
      expect(row.lockedUntil!.getTime()).toBeGreaterThanOrEqual(before + lockMs);
      expect(row.lockedUntil!.getTime()).toBeLessThanOrEqual(Date.now() + lockMs);
    }
    await h.db.prisma.user.update({ where: { id: userId }, data: { failedSignIns: 30, lockedUntil: new Date(Date.now() - 1) } });
    const before = Date.now();
    await attempt('still wrong password');
    expect((await user()).lockedUntil!.getTime()).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
    expect((await user()).lockedUntil!.getTime()).toBeGreaterThanOrEqual(before + 15 * 60_000);

    // Once the lock has run out, the right password works and the count resets.
    await h.db.prisma.user.update({ where: { id: userId }, data: { lockedUntil: new Date(Date.now() - 1) } });
    expect((await attempt(PASSWORD)).status).toBe(200);
    expect(await user()).toMatchObject({ failedSignIns: 0, lockedUntil: null });

    const audit = async (requestId: string) =>
      (await h.db.prisma.auditEntry.findMany({ where: { requestId }, orderBy: { id: 'asc' } })).map((e) => [e.actorType, e.action, e.objectType, e.objectId]);
    expect(await audit('req-fifth')).toEqual([
      ['SYSTEM', 'signInFailed', 'User', userId],
      ['SYSTEM', 'lockOut', 'User', userId],
    ]);
    expect(await audit('req-while-locked')).toEqual([['SYSTEM', 'signInWhileLocked', 'User', userId]]);
    const lockOut = await h.db.prisma.auditEntry.findFirstOrThrow({ where: { requestId: 'req-fifth', action: 'lockOut' } });
    expect(lockOut.after).toMatchObject({ failedSignIns: 5, lockedUntil: locked.lockedUntil!.toISOString(), passwordHash: '[redacted]' });
  });

  it('an unknown email gets the wrong-password answer, counts nowhere and is audited without a password', async () => {
    const answer = await postAuth(h.origin, '/auth/sign-in', { email: 'Nobody@Example.com', password: 'whatever it is' }, { 'x-request-id': 'req-unknown' });
    expect(answer.status).toBe(401);
    expect(answer.body.error?.message).toBe('That email and password were not accepted.');
    const [entry] = await h.db.prisma.auditEntry.findMany({ where: { requestId: 'req-unknown' } });
    expect(entry).toMatchObject({ actorType: 'SYSTEM', action: 'signInFailed', objectType: 'User', objectId: '', after: { email: 'nobody@example.com' } });
    expect(JSON.stringify({ ...entry, id: String(entry!.id) })).not.toContain('whatever it is');
    // Even five of them lock nothing (there is nothing to lock) and keep answering 401.
    for (let i = 0; i < 5; i++) expect((await postAuth(h.origin, '/auth/sign-in', { email: 'nobody@example.com', password: 'whatever it is' })).status).toBe(401);
  });

  it('a user who has not set a password yet is refused like a wrong password and not counted', async () => {
    const { createUser } = await h.ok<{ createUser: { user: { id: string } } }>('mutation { createUser(input: { email: "new@example.com", name: "New", role: VIEWER }) { user { id } } }');
    const answer = await postAuth(h.origin, '/auth/sign-in', { email: 'new@example.com', password: 'any password at all' });
    expect(answer.status).toBe(401);
    expect(await h.db.prisma.user.findUniqueOrThrow({ where: { id: createUser.user.id } })).toMatchObject({ failedSignIns: 0, passwordHash: null });
  });
});
