import { hashKey, randomBase62 } from '@proxystacks/shared/keys/key-format';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

/** Admin tokens start with this, so they are recognisable (and never mistaken for API keys). */
export const ADMIN_TOKEN_PREFIX = 'relay-admin-';

/** An authenticated admin, as GraphQL resolvers see it. */
export interface Admin {
  id: string;
  name: string;
  orgId: string;
}

/** How stale lastUsedAt may get: writing it on every request would turn each read into a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Longest token we bother hashing; anything longer is not one of ours. */
const MAX_TOKEN_LENGTH = 512;

/** A fresh admin token: the prefix and 43 base62 characters (about 256 bits). */
export function generateAdminToken(): string {
  return ADMIN_TOKEN_PREFIX + randomBase62(43);
}

/** Stores an admin token's HMAC (never the token). */
export async function insertAdminToken(
  tx: Prisma.TransactionClient,
  token: { orgId: string; name: string; token: string },
  keySecret: string,
): Promise<{ id: string }> {
  return tx.adminToken.create({
    data: { orgId: token.orgId, name: token.name, hash: hashKey(token.token, keySecret) },
    select: { id: true },
  });
}

/**
 * The admin a bearer token belongs to, or null. Looked up by its HMAC (a unique index), so
 * the comparison happens in the database on a value an attacker cannot choose. Records
 * lastUsedAt at most once a minute per token.
 */
export async function findAdminByToken(prisma: PrismaClient, token: string, keySecret: string): Promise<Admin | null> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
  const row = await prisma.adminToken.findUnique({
    where: { hash: hashKey(token, keySecret) },
    select: { id: true, name: true, orgId: true, lastUsedAt: true },
  });
  if (!row) return null;
  const now = Date.now();
  if (row.lastUsedAt === null || now - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    const cutoff = new Date(now - LAST_USED_RESOLUTION_MS);
    // Conditional, so concurrent requests in the same minute write once.
    await prisma.adminToken.updateMany({
      where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: cutoff } }] },
      data: { lastUsedAt: new Date(now) },
    });
  }
  return { id: row.id, name: row.name, orgId: row.orgId };
}
