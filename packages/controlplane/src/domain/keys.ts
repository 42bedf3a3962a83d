import { z } from 'zod';
import { displayPrefix, generateKey, hashKey, isWellFormedKey } from '@proxystacks/shared/keys/key-format';
import type { ApiKey, ApiKeyStatus, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { InputError, parseInput } from './input-error.ts';
import { isUuid, nameSchema } from './input-schemas.ts';
import { ensureDefaultEnvironment } from './projects.ts';
import { resolveTeam } from './teams.ts';
import { inTransaction } from './transaction.ts';
import { afterNotInList, prismaPage, type ListPage } from './list-page.ts';

/** Input of {@link createKey}. */
export interface CreateKeyInput {
  name: string;
  /** Owning team; null or absent = the org's default team. */
  teamId?: string | null;
}

/** A new key and its secret. The secret exists only here: the database keeps its HMAC. */
export interface CreatedKey {
  key: ApiKey;
  secret: string;
}

const createKeySchema = z.object({ name: nameSchema, teamId: z.string().nullish() });

/** Creates an API key in `orgId` and returns its secret, the only time it is ever available. */
export async function createKey(
  prisma: PrismaClient,
  orgId: string,
  input: CreateKeyInput,
  keySecret: string,
): Promise<CreatedKey> {
  const { name, teamId } = parseInput(createKeySchema, input);
  return inTransaction(prisma, async (tx) => {
    const team = await resolveTeam(tx, orgId, teamId);
    const environment = await ensureDefaultEnvironment(tx, orgId, team.id);
    const created = await insertKey(tx, { orgId, teamId: team.id, projectId: environment.projectId, environmentId: environment.id, name, secret: generateKey() }, keySecret);
    await bumpConfigRevision(tx);
    return created;
  });
}

/**
 * Stores a key whose secret is already chosen (a fresh one, or the embedded demo key kept
 * across restarts). The caller bumps the config revision in the same transaction.
 */
export async function insertKey(
  tx: Prisma.TransactionClient,
  key: { orgId: string; teamId: string; projectId: string; environmentId: string; name: string; secret: string },
  keySecret: string,
): Promise<CreatedKey> {
  if (!isWellFormedKey(key.secret)) throw new Error('Refusing to store a malformed API key');
  const row = await tx.apiKey.create({
    data: {
      orgId: key.orgId,
      teamId: key.teamId,
      projectId: key.projectId,
      environmentId: key.environmentId,
      name: key.name,
      prefix: displayPrefix(key.secret),
      hash: hashKey(key.secret, keySecret),
    },
  });
  return { key: row, secret: key.secret };
}

/**
 * Revokes a key of `orgId`. Idempotent: revoking a revoked key returns it unchanged (keeping
 * its first revokedAt) and does not bump the config revision.
 */
export async function revokeKey(prisma: PrismaClient, orgId: string, id: string): Promise<{ key: ApiKey; changed: boolean }> {
  if (!isUuid(id)) throw new InputError('No key with this id in your organization.', 'NOT_FOUND', 'id');
  return inTransaction(prisma, async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id, orgId } });
    if (!key) throw new InputError('No key with this id in your organization.', 'NOT_FOUND', 'id');
    if (key.status === 'REVOKED') return { key, changed: false };
    // Conditional update: of two concurrent revocations only one changes the row.
    const updated = await tx.apiKey.updateMany({
      where: { id, status: 'ACTIVE' },
      data: { status: 'REVOKED', revokedAt: new Date() },
    });
    if (updated.count === 1) await bumpConfigRevision(tx);
    return { key: await tx.apiKey.findUniqueOrThrow({ where: { id } }), changed: updated.count === 1 };
  });
}

/** Keys of `orgId`, newest first, optionally only those with `status`. `query` is Pothos' include/select. */
export async function listKeys(
  prisma: PrismaClient,
  filter: { orgId: string; status?: ApiKeyStatus | null },
  page: ListPage,
  query: { include?: Prisma.ApiKeyInclude; select?: Prisma.ApiKeySelect } = {},
): Promise<ApiKey[]> {
  const where = { orgId: filter.orgId, ...(filter.status ? { status: filter.status } : {}) };
  if (page.after !== null && (await prisma.apiKey.count({ where: { ...where, id: page.after } })) === 0) throw afterNotInList();
  return prisma.apiKey.findMany({
    ...query,
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    ...prismaPage(page),
  } as Prisma.ApiKeyFindManyArgs);
}
