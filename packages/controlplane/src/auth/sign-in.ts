import type { PrismaClient, User } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { consumeSetupLink } from '../domain/setup-links.ts';
import { inTransaction } from '../domain/transaction.ts';
import { emailSchema } from '../domain/users.ts';
import type { AuthSettings } from './auth-settings.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password-hash.ts';
import { checkNewPassword } from './password-policy.ts';
import { insertSession, type SessionOrigin } from './sessions.ts';

/** Consecutive failures after which an account locks. */
export const LOCK_AFTER_FAILURES = 5;
/** The first lock-out; each further failure doubles it. */
export const FIRST_LOCK_MS = 30_000;
/** The longest lock-out. */
export const MAX_LOCK_MS = 15 * 60_000;

/** How long an account locks after `failures` consecutive failures: 0 below the threshold, then 30 s × 2^(failures − 5), at most 15 min. */
export function lockoutMs(failures: number): number {
  if (failures < LOCK_AFTER_FAILURES) return 0;
  return Math.min(FIRST_LOCK_MS * 2 ** Math.min(failures - LOCK_AFTER_FAILURES, 20), MAX_LOCK_MS);
}

/** Where a sign-in came from: the request's id, client address and user agent. */
export interface SignInOrigin extends SessionOrigin {
  requestId: string;
}

/** What a sign-in needs beyond the request. */
export interface SignInDeps {
  prisma: PrismaClient;
  keySecret: string;
  auth: AuthSettings;
}

/** A new session: the cookie's token, its CSRF token and the user. */
export interface OpenedSession {
  token: string;
  csrfToken: string;
  user: User;
}

/** The outcome of a sign-in: a session, a refusal (one answer for every wrong case), or a lock. */
export type SignInOutcome = { kind: 'signed-in'; session: OpenedSession } | { kind: 'refused' } | { kind: 'locked'; retryAfterSeconds: number };

function audit(orgId: string, actor: AuditContext['actor'], action: string, origin: SignInOrigin): AuditContext {
  return { orgId, actor, action, requestId: origin.requestId, clientAddress: origin.clientAddress };
}

const SYSTEM = { type: 'SYSTEM', id: '', label: 'relay' } as const;
const asUser = (user: User) => ({ type: 'USER', id: user.id, label: user.email }) as const;

/**
 * Email and password sign-in with lock-out:
 * - while an account is locked the answer is `locked` and the password is not even checked;
 * - an unknown email, a user without a password yet and a disabled user are `refused` like a
 *   wrong password, after verifying against a dummy hash, so timing and answer say nothing
 *   about which emails exist;
 * - each wrong password counts; from the 5th in a row the account locks for 30 s, doubling with
 *   every further failure up to 15 min; a success resets the count (and rehashes a password
 *   stored under older parameters).
 * Every outcome is audited in the transaction that records it.
 */
export async function signIn(deps: SignInDeps, input: { email: unknown; password: unknown }, origin: SignInOrigin, now = new Date()): Promise<SignInOutcome> {
  const email = emailSchema.safeParse(input.email);
  const password = typeof input.password === 'string' ? input.password : '';
  const user = email.success ? await deps.prisma.user.findUnique({ where: { email: email.data } }) : null;
  if (user?.lockedUntil && user.lockedUntil > now) {
    await inTransaction(deps.prisma, (tx) =>
      writeAudit(tx, audit(user.orgId, SYSTEM, 'signInWhileLocked', origin), { objectType: 'User', objectId: user.id, before: user, after: user }),
    );
    return { kind: 'locked', retryAfterSeconds: Math.max(1, Math.ceil((user.lockedUntil.getTime() - now.getTime()) / 1000)) };
  }
  // Awaited on every path (made once per process), so the first sign-in of either kind pays for it alike.
  const dummy = await dummyPasswordHash(deps.auth.passwordHash);
  const usable = user !== null && user.passwordHash !== null && user.disabledAt === null;
  const check = await verifyPassword(password, usable ? user.passwordHash! : dummy, deps.auth.passwordHash);
  if (usable && check.ok) {
    const session = await openSession(deps, user, origin, now, check.needsRehash ? await hashPassword(password, deps.auth.passwordHash) : null);
    return session === null ? { kind: 'refused' } : { kind: 'signed-in', session };
  }
  if (user === null) await recordUnknownEmail(deps.prisma, email.success ? email.data : null, origin);
  else await recordFailure(deps.prisma, user, usable, origin, now);
  return { kind: 'refused' };
}

/**
 * Resets the failure count, opens a session and audits both. Conditional on the account being
 * neither locked nor disabled at that moment (a concurrent failure may just have locked it):
 * null then.
 */
async function openSession(deps: SignInDeps, user: User, origin: SignInOrigin, now: Date, rehashed: string | null): Promise<OpenedSession | null> {
  return inTransaction(deps.prisma, async (tx) => {
    const { count } = await tx.user.updateMany({
      where: { id: user.id, disabledAt: null, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
      data: { failedSignIns: 0, lockedUntil: null, lastSignInAt: now, ...(rehashed === null ? {} : { passwordHash: rehashed }) },
    });
    if (count === 0) return null;
    const after = await tx.user.findUniqueOrThrow({ where: { id: user.id } });
    const { token, csrfToken, session } = await insertSession(tx, user.id, origin, { keySecret: deps.keySecret, sessionTtlMs: deps.auth.sessionTtlMs }, now);
    const context = audit(user.orgId, asUser(after), 'signIn', origin);
    await writeAudit(tx, context, { objectType: 'User', objectId: user.id, before: user, after });
    await writeAudit(tx, context, { objectType: 'UserSession', objectId: session.id, before: null, after: session });
    return { token, csrfToken, user: after };
  });
}

/** Counts a wrong password (not for disabled or password-less users) and locks the account from the 5th in a row. */
async function recordFailure(prisma: PrismaClient, user: User, counts: boolean, origin: SignInOrigin, now: Date): Promise<void> {
  await inTransaction(prisma, async (tx) => {
    let after = user;
    if (counts) {
      // Increment in the database: concurrent failures each count.
      after = await tx.user.update({ where: { id: user.id }, data: { failedSignIns: { increment: 1 } } });
      const lockMs = lockoutMs(after.failedSignIns);
      if (lockMs > 0) after = await tx.user.update({ where: { id: user.id }, data: { lockedUntil: new Date(now.getTime() + lockMs) } });
    }
    await writeAudit(tx, audit(user.orgId, SYSTEM, 'signInFailed', origin), { objectType: 'User', objectId: user.id, before: user, after });
    if (after.lockedUntil !== null && after.lockedUntil > now) {
      await writeAudit(tx, audit(user.orgId, SYSTEM, 'lockOut', origin), { objectType: 'User', objectId: user.id, before: user, after });
    }
  });
}

/**
 * An attempt for an email nobody has: audited in the installation's organization (the oldest),
 * naming the email only when it is shaped like one (a password typed into the email field is
 * not written down).
 */
async function recordUnknownEmail(prisma: PrismaClient, email: string | null, origin: SignInOrigin): Promise<void> {
  const org = await prisma.organization.findFirst({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true } });
  if (!org) return;
  await inTransaction(prisma, (tx) =>
    writeAudit(tx, audit(org.id, SYSTEM, 'signInFailed', origin), { objectType: 'User', objectId: '', before: null, after: email === null ? null : { email } }),
  );
}

/** The outcome of {@link setUpPassword}: a session, or a dead link. Policy violations throw InputError. */
export type SetupOutcome = { kind: 'signed-in'; session: OpenedSession } | { kind: 'invalid-link' };

/**
 * Sets a user's password from a one-time set-up link and signs them in: the link is consumed
 * (once, conditionally), the password stored, the failure count and any lock cleared, a
 * session opened, all in one transaction and audited. A used, replaced or expired link, or one
 * of a disabled user, is `invalid-link`.
 */
export async function setUpPassword(deps: SignInDeps, input: { token: unknown; password: unknown }, origin: SignInOrigin, now = new Date()): Promise<SetupOutcome> {
  const password = checkNewPassword(input.password);
  const token = typeof input.token === 'string' ? input.token : '';
  const passwordHash = await hashPassword(password, deps.auth.passwordHash);
  return inTransaction(deps.prisma, async (tx) => {
    const link = await consumeSetupLink(tx, token, deps.keySecret, now);
    const before = link ? await tx.user.findUnique({ where: { id: link.userId } }) : null;
    if (!link || !before || before.disabledAt !== null) return { kind: 'invalid-link' } as const;
    const after = await tx.user.update({ where: { id: before.id }, data: { passwordHash, failedSignIns: 0, lockedUntil: null, lastSignInAt: now } });
    const { token: sessionToken, csrfToken, session } = await insertSession(tx, after.id, origin, { keySecret: deps.keySecret, sessionTtlMs: deps.auth.sessionTtlMs }, now);
    const context = audit(after.orgId, asUser(after), 'setUpPassword', origin);
    await writeAudit(tx, context, { objectType: 'User', objectId: after.id, before, after });
    await writeAudit(tx, context, { objectType: 'SetupLink', objectId: link.id, before: { ...link, usedAt: null }, after: link });
    await writeAudit(tx, { ...context, action: 'signIn' }, { objectType: 'UserSession', objectId: session.id, before: null, after: session });
    return { kind: 'signed-in', session: { token: sessionToken, csrfToken, user: after } } as const;
  });
}

/** Ends one session (sign-out), audited as its user. Returns false when it was already gone. */
export async function signOut(prisma: PrismaClient, sessionId: string, origin: SignInOrigin): Promise<boolean> {
  return inTransaction(prisma, async (tx) => {
    const session = await tx.userSession.findUnique({ where: { id: sessionId }, include: { user: true } });
    if (!session) return false;
    await tx.userSession.delete({ where: { id: sessionId } });
    const { user, ...row } = session;
    await writeAudit(tx, audit(user.orgId, asUser(user), 'signOut', origin), { objectType: 'UserSession', objectId: sessionId, before: row, after: null });
    return true;
  });
}
