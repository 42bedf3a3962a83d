import { createHmac } from 'node:crypto';
import { hashesEqual, hashKey, randomBase62 } from '@proxystacks/shared/keys/key-format';
import type { Prisma, PrismaClient, UserSession } from '../generated/prisma/client.ts';
import type { Principal } from './roles.ts';

/** Characters of a session token: 43 base62 characters, about 256 bits. */
const SESSION_TOKEN_CHARS = 43;

/** How stale lastSeenAt may get: sliding it on every request would turn each read into a write. */
export const SESSION_SLIDE_RESOLUTION_MS = 60_000;

/** A fresh session token (the cookie's value; only its HMAC is stored). */
export function generateSessionToken(): string {
  return randomBase62(SESSION_TOKEN_CHARS);
}

/**
 * The CSRF token of a session: an HMAC of the session token under the key secret, so the
 * server can hand it out again (GET /auth/session after a reload) without storing it, and a
 * page of another origin, which never sees the HttpOnly cookie, cannot compute it.
 */
export function csrfTokenFor(sessionToken: string, keySecret: string): string {
  return createHmac('sha256', keySecret).update(`relay-csrf\0${sessionToken}`).digest('base64url');
}

/** True when `presented` is the session's CSRF token; compares HMACs in constant time. */
export function csrfMatches(presented: string | null | undefined, csrfHash: string, keySecret: string): boolean {
  if (!presented || presented.length > 128) return false;
  return hashesEqual(hashKey(presented, keySecret), csrfHash);
}

/** Where a session was opened from, kept on the row for the users page and the audit trail. */
export interface SessionOrigin {
  clientAddress: string;
  userAgent: string;
}

/** Opens a session for `userId`; returns the cookie token and CSRF token (never stored as such). */
export async function insertSession(
  tx: Prisma.TransactionClient,
  userId: string,
  origin: SessionOrigin,
  settings: { keySecret: string; sessionTtlMs: number },
  now = new Date(),
): Promise<{ token: string; csrfToken: string; session: UserSession }> {
  const token = generateSessionToken();
  const csrfToken = csrfTokenFor(token, settings.keySecret);
  const session = await tx.userSession.create({
    data: {
      userId,
      tokenHash: hashKey(token, settings.keySecret),
      csrfHash: hashKey(csrfToken, settings.keySecret),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + settings.sessionTtlMs),
      clientAddress: origin.clientAddress.slice(0, 100),
      userAgent: origin.userAgent.slice(0, 300),
    },
  });
  return { token, csrfToken, session };
}

/** A live session: who it is, and whether this lookup slid its expiry (then the cookie is re-sent). */
export interface SessionLookup {
  principal: Principal;
  session: UserSession;
  slid: boolean;
}

/**
 * The session a cookie token stands for, or null when it is unknown, expired, or its user is
 * disabled (checked on every request, so disabling a user takes effect at once). Looked up by
 * HMAC through a unique index, like API tokens. Slides lastSeenAt and expiresAt at most once a
 * minute.
 */
export async function findSession(prisma: PrismaClient, token: string, settings: { keySecret: string; sessionTtlMs: number }, now = new Date()): Promise<SessionLookup | null> {
  const row = await prisma.userSession.findUnique({
    where: { tokenHash: hashKey(token, settings.keySecret) },
    include: { user: { select: { id: true, orgId: true, email: true, disabledAt: true, roleGrants: { select: { role: true, teamId: true } } } } },
  });
  if (!row || row.expiresAt <= now || row.user.disabledAt !== null) return null;
  let session: UserSession = row;
  let slid = false;
  if (now.getTime() - row.lastSeenAt.getTime() >= SESSION_SLIDE_RESOLUTION_MS) {
    const expiresAt = new Date(now.getTime() + settings.sessionTtlMs);
    const cutoff = new Date(now.getTime() - SESSION_SLIDE_RESOLUTION_MS);
    // Conditional, so concurrent requests in the same minute write once.
    const { count } = await prisma.userSession.updateMany({ where: { id: row.id, lastSeenAt: { lt: cutoff } }, data: { lastSeenAt: now, expiresAt } });
    if (count > 0) {
      session = { ...row, lastSeenAt: now, expiresAt };
      slid = true;
    }
  }
  const { user } = row;
  return {
    principal: { kind: 'user', id: user.id, orgId: user.orgId, label: user.email, grants: user.roleGrants.map((g) => ({ role: g.role, teamId: g.teamId })), sessionId: row.id },
    session,
    slid,
  };
}
