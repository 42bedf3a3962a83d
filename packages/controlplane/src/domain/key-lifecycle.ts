import { displayPrefix, generateKey, hashKey } from '@proxystacks/shared/keys/key-format';
import type { ApiKey, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { InputError } from './input-error.ts';
import { isUuid } from './input-schemas.ts';
import type { CreatedKey } from './keys.ts';
import { inTransaction } from './transaction.ts';

/** Longest grace a rotated-out secret may get: 30 days, enough for a monthly deploy cycle. */
export const MAX_ROTATION_GRACE_SECONDS = 30 * 24 * 60 * 60;

/** A key after a change, and whether anything changed (a no-op neither bumps the config nor republishes). */
export interface KeyChange {
  key: ApiKey;
  changed: boolean;
}

/**
 * Applies one change to a key of `orgId` in a transaction: locks the row (so `before` is what the
 * change really replaced, even against a concurrent call), asks `decide` for the update (null =
 * nothing to do; it throws InputError to refuse), writes the audit entry — also for a no-op, with
 * before = after, since a trail that skips a call is worse than one with a no-op — and bumps the
 * config revision when something changed.
 */
export async function changeKey(
  prisma: PrismaClient,
  orgId: string,
  id: string,
  audit: AuditContext,
  decide: (key: ApiKey, now: Date, tx: Prisma.TransactionClient) => Promise<Prisma.ApiKeyUpdateInput | null> | Prisma.ApiKeyUpdateInput | null,
): Promise<KeyChange> {
  if (!isUuid(id)) throw noSuchKey();
  return inTransaction(prisma, async (tx) => {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id::text AS id FROM api_key WHERE id = ${id}::uuid AND org_id = ${orgId}::uuid FOR UPDATE`;
    if (locked.length === 0) throw noSuchKey();
    const before = await tx.apiKey.findUniqueOrThrow({ where: { id } });
    const data = await decide(before, new Date(), tx);
    const after = data === null ? before : await tx.apiKey.update({ where: { id }, data });
    await writeAudit(tx, audit, { objectType: 'ApiKey', objectId: id, before, after });
    if (data !== null) await bumpConfigRevision(tx);
    return { key: after, changed: data !== null };
  });
}

/** Revokes a key for good (idempotent: a revoked key keeps its first revokedAt). Disabled keys can be revoked. */
export function revokeKey(prisma: PrismaClient, orgId: string, id: string, audit: AuditContext): Promise<KeyChange> {
  return changeKey(prisma, orgId, id, audit, (key, now) => (key.status === 'REVOKED' ? null : { status: 'REVOKED', revokedAt: now }));
}

/** Suspends an active key until enableKey (idempotent). A revoked key cannot be disabled: it is already gone for good. */
export function disableKey(prisma: PrismaClient, orgId: string, id: string, audit: AuditContext): Promise<KeyChange> {
  return changeKey(prisma, orgId, id, audit, (key, now) => {
    if (key.status === 'REVOKED') throw new InputError('This key is revoked; a revoked key cannot be disabled.', 'BAD_USER_INPUT', 'id');
    return key.status === 'DISABLED' ? null : { status: 'DISABLED', disabledAt: now };
  });
}

/** Re-activates a disabled key (idempotent). Revocation is final: enabling a revoked key is refused. */
export function enableKey(prisma: PrismaClient, orgId: string, id: string, audit: AuditContext): Promise<KeyChange> {
  return changeKey(prisma, orgId, id, audit, (key) => {
    if (key.status === 'REVOKED') throw new InputError('This key is revoked; a revoked key can never be enabled again.', 'BAD_USER_INPUT', 'id');
    return key.status === 'ACTIVE' ? null : { status: 'ACTIVE', disabledAt: null };
  });
}

/**
 * Gives a key a new secret, returned this once. The old secret stays valid for
 * `gracePeriodSeconds` (0 = dead at once) so deployments can switch without an outage; rotating
 * again replaces that previous secret. The audit entry shows previousPrefix and
 * previousHashExpiresAt, so the trail says which secret was retired and until when it worked.
 */
export async function rotateKey(
  prisma: PrismaClient,
  orgId: string,
  id: string,
  gracePeriodSeconds: number,
  keySecret: string,
  audit: AuditContext,
): Promise<CreatedKey> {
  if (!Number.isInteger(gracePeriodSeconds) || gracePeriodSeconds < 0 || gracePeriodSeconds > MAX_ROTATION_GRACE_SECONDS) {
    throw new InputError(`gracePeriodSeconds: must be a whole number from 0 to ${MAX_ROTATION_GRACE_SECONDS} (30 days)`, 'BAD_USER_INPUT', 'gracePeriodSeconds');
  }
  const secret = generateKey();
  const { key } = await changeKey(prisma, orgId, id, audit, (current, now) => {
    if (current.status === 'REVOKED') throw new InputError('This key is revoked; a revoked key cannot be rotated.', 'BAD_USER_INPUT', 'id');
    return {
      hash: hashKey(secret, keySecret),
      prefix: displayPrefix(secret),
      previousHash: current.hash,
      previousPrefix: current.prefix,
      previousHashExpiresAt: new Date(now.getTime() + gracePeriodSeconds * 1000),
      rotatedAt: now,
    };
  });
  return { key, secret };
}

function noSuchKey(): InputError {
  return new InputError('No key with this id in your organization.', 'NOT_FOUND', 'id');
}
