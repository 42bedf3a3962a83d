import type { ModelAlias, PrismaClient } from '../generated/prisma/client.ts';
import type { AuditContext } from '../audit/audit-trail.ts';
import { InputError } from './input-error.ts';
import { changeKey, type KeyChange } from './key-lifecycle.ts';
import { updateModelAlias } from './update-model-alias.ts';

/** How long a cached answer may live: a second to a week (longer serves stale answers for too long). */
export const RESPONSE_CACHE_TTL_RANGE = { min: 1, max: 7 * 24 * 3600 } as const;

function checkTtl(ttlSeconds: number | null, param: string, allowZero: boolean): void {
  if (ttlSeconds === null || (allowZero && ttlSeconds === 0)) return;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < RESPONSE_CACHE_TTL_RANGE.min || ttlSeconds > RESPONSE_CACHE_TTL_RANGE.max) {
    const zero = allowZero ? ', 0 to never cache this key’s requests' : '';
    throw new InputError(`${param}: must be a whole number of seconds from ${RESPONSE_CACHE_TTL_RANGE.min} to ${RESPONSE_CACHE_TTL_RANGE.max}${zero}, or null`, 'BAD_USER_INPUT', param);
  }
}

/**
 * Turns the exact-match response cache of an alias on (`ttlSeconds`) or off (null), and says
 * whether streamed requests with tools may be cached. Audited; data planes apply it with the next snapshot.
 */
export async function setAliasResponseCache(
  prisma: PrismaClient,
  orgId: string,
  aliasId: string,
  settings: { ttlSeconds: number | null; cacheToolStreams: boolean },
  audit: AuditContext,
): Promise<ModelAlias> {
  checkTtl(settings.ttlSeconds, 'ttlSeconds', false);
  return updateModelAlias(prisma, orgId, aliasId, { responseCacheTtlSeconds: settings.ttlSeconds, responseCacheToolStreams: settings.cacheToolStreams }, audit);
}

/**
 * A key's response cache choice: null = its aliases' setting (entries shared in the org), 0 =
 * never cached, > 0 = cached that many seconds in entries private to the key. Audited.
 */
export async function setKeyResponseCache(prisma: PrismaClient, orgId: string, keyId: string, ttlSeconds: number | null, audit: AuditContext): Promise<KeyChange> {
  checkTtl(ttlSeconds, 'ttlSeconds', true);
  return changeKey(prisma, orgId, keyId, audit, (key) => (key.responseCacheTtlSeconds === ttlSeconds ? null : { responseCacheTtlSeconds: ttlSeconds }));
}
