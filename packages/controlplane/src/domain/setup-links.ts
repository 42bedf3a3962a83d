import { hashKey, randomBase62 } from '@proxystacks/shared/keys/key-format';
import type { Prisma, SetupLink } from '../generated/prisma/client.ts';

/** How long a set-up link works: long enough to hand over by chat or ticket, short enough to go stale. */
export const SETUP_LINK_TTL_MS = 7 * 24 * 3_600_000;

/** Prefix of set-up tokens, so one pasted in the wrong place is recognisable. */
export const SETUP_TOKEN_PREFIX = 'relay-setup-';

/** Longest set-up token we bother hashing. */
const MAX_SETUP_TOKEN_CHARS = 128;

/**
 * The link a newcomer opens: the console's `/setup` page with the token in the fragment, which
 * browsers never send to a server, so it stays out of access logs and Referer headers.
 */
export function setupUrl(consoleOrigin: string, token: string): string {
  return `${consoleOrigin.replace(/\/+$/, '')}/setup#token=${token}`;
}

/**
 * Issues a new set-up link for `userId` and returns its token (shown once; only its HMAC is
 * stored). Earlier unused links of the user stop working: the newest link is the only one.
 */
export async function issueSetupLink(
  tx: Prisma.TransactionClient,
  userId: string,
  keySecret: string,
  now = new Date(),
): Promise<{ token: string; link: SetupLink; replaced: number }> {
  const { count: replaced } = await tx.setupLink.updateMany({ where: { userId, usedAt: null, expiresAt: { gt: now } }, data: { expiresAt: now } });
  const token = SETUP_TOKEN_PREFIX + randomBase62(43);
  const link = await tx.setupLink.create({
    data: { userId, tokenHash: hashKey(token, keySecret), createdAt: now, expiresAt: new Date(now.getTime() + SETUP_LINK_TTL_MS) },
  });
  return { token, link, replaced };
}

/**
 * Marks the link of `token` used, once: the update is conditional on it being unused and
 * unexpired, so two tabs racing with the same link cannot both set a password. Returns the
 * link, or null when the token is unknown, used, replaced or expired.
 */
export async function consumeSetupLink(tx: Prisma.TransactionClient, token: string, keySecret: string, now = new Date()): Promise<SetupLink | null> {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_SETUP_TOKEN_CHARS) return null;
  const tokenHash = hashKey(token, keySecret);
  const { count } = await tx.setupLink.updateMany({ where: { tokenHash, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  return count === 1 ? tx.setupLink.findUnique({ where: { tokenHash } }) : null;
}
