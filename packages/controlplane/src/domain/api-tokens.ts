import { hashKey, randomBase62 } from '@proxystacks/shared/keys/key-format';
import type { Prisma, PrismaClient, Role } from '../generated/prisma/client.ts';
import type { Principal } from '../auth/roles.ts';

/**
 * Prefix of the token bootstrap creates (and of every token made before API tokens had roles):
 * an organization-wide OWNER token, kept working until it is revoked.
 */
export const ADMIN_TOKEN_PREFIX = 'relay-admin-';

/** Prefix of API tokens made with a role and scope, so they are recognisable (and never mistaken for API keys). */
export const API_TOKEN_PREFIX = 'relay-tok-';

/** Characters of a token shown in lists to recognise it: the prefix and a few more. */
const SHOWN_CHARS = 6;

/** How stale lastUsedAt may get: writing it on every request would turn each read into a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Longest token we bother hashing; anything longer is not one of ours. */
const MAX_TOKEN_LENGTH = 512;

/** A fresh bootstrap (owner) token: the admin prefix and 43 base62 characters (about 256 bits). */
export function generateAdminToken(): string {
  return ADMIN_TOKEN_PREFIX + randomBase62(43);
}

/** A fresh API token: the token prefix and 43 base62 characters (about 256 bits). */
export function generateApiToken(): string {
  return API_TOKEN_PREFIX + randomBase62(43);
}

/** The recognisable start of a token, as lists show it. */
export function tokenDisplayPrefix(token: string): string {
  const prefix = token.startsWith(ADMIN_TOKEN_PREFIX) ? ADMIN_TOKEN_PREFIX : token.startsWith(API_TOKEN_PREFIX) ? API_TOKEN_PREFIX : '';
  return token.slice(0, prefix.length + SHOWN_CHARS);
}

/** What a new token row holds besides its secret. */
export interface ApiTokenGrant {
  orgId: string;
  name: string;
  role: Role;
  /** null = organization-wide. */
  teamId: string | null;
  expiresAt: Date | null;
  createdByUserId: string | null;
}

/** Stores a token's HMAC (never the token). */
export async function insertApiToken(tx: Prisma.TransactionClient, grant: ApiTokenGrant & { token: string }, keySecret: string) {
  return tx.apiToken.create({
    data: {
      orgId: grant.orgId,
      name: grant.name,
      hash: hashKey(grant.token, keySecret),
      prefix: tokenDisplayPrefix(grant.token),
      role: grant.role,
      teamId: grant.teamId,
      expiresAt: grant.expiresAt,
      createdByUserId: grant.createdByUserId,
    },
  });
}

/**
 * The principal a bearer token stands for, or null when it is unknown, revoked or expired.
 * Looked up by its HMAC through a unique index: the comparison happens in the database on a
 * value an attacker cannot choose, so it leaks nothing about stored tokens through timing.
 * Records lastUsedAt at most once a minute per token.
 */
export async function findTokenPrincipal(prisma: PrismaClient, token: string, keySecret: string, now = new Date()): Promise<Principal | null> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
  const row = await prisma.apiToken.findUnique({
    where: { hash: hashKey(token, keySecret) },
    select: { id: true, name: true, orgId: true, role: true, teamId: true, expiresAt: true, revokedAt: true, lastUsedAt: true },
  });
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
  if (row.lastUsedAt === null || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    const cutoff = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    // Conditional, so concurrent requests in the same minute write once.
    await prisma.apiToken.updateMany({
      where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: cutoff } }] },
      data: { lastUsedAt: now },
    });
  }
  return { kind: 'token', id: row.id, orgId: row.orgId, label: row.name, grants: [{ role: row.role, teamId: row.teamId }], sessionId: null };
}
