import { z } from 'zod';
import { displayPrefix, generateKey, hashKey, isWellFormedKey } from '@proxystacks/shared/keys/key-format';
import type { ApiKey, ApiKeyStatus, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { InputError, parseInput } from './input-error.ts';
import { isUuid, nameSchema } from './input-schemas.ts';
import { allowedAliasesSchema, checkAliasesExist, checkExpiry, creatorOf, keyLabelsSchema, type KeyLabelPair } from './key-settings.ts';
import { ensureDefaultEnvironment } from './projects.ts';
import { resolveTeam } from './teams.ts';
import { inTransaction } from './transaction.ts';
import { afterNotInList, prismaPage, type ListPage } from './list-page.ts';
import { idFilter, teamIdFilter, type VisibleTeams } from './visible-teams.ts';

/** Input of {@link createKey}. */
export interface CreateKeyInput {
  name: string;
  /** The project environment the key belongs to; wins over teamId. */
  environmentId?: string | null;
  /** Without environmentId: the team whose default project's production environment gets the key; absent = the org's default team. */
  teamId?: string | null;
  /** null or absent = never expires; else must be in the future. */
  expiresAt?: Date | null;
  /** Aliases the key may call (each must exist); empty or absent = all. */
  allowedAliases?: string[] | null;
  labels?: KeyLabelPair[] | null;
}

/** A new key and its secret. The secret exists only here: the database keeps its HMAC. */
export interface CreatedKey {
  key: ApiKey;
  secret: string;
}

const createKeySchema = z.object({
  name: nameSchema,
  environmentId: z.string().nullish(),
  teamId: z.string().nullish(),
  expiresAt: z.date().nullish(),
  allowedAliases: allowedAliasesSchema.nullish(),
  labels: keyLabelsSchema.nullish(),
});

/**
 * Creates an API key in `orgId` and returns its secret, the only time it is ever available.
 * The creator (user or token) is the audit actor; the entry is written in the same transaction.
 */
export async function createKey(
  prisma: PrismaClient,
  orgId: string,
  input: CreateKeyInput,
  keySecret: string,
  audit: AuditContext,
): Promise<CreatedKey> {
  const parsed = parseInput(createKeySchema, input);
  checkExpiry(parsed.expiresAt, new Date());
  return inTransaction(prisma, async (tx) => {
    const place = await keyPlacement(tx, orgId, parsed.environmentId ?? null, parsed.teamId ?? null);
    const allowedAliases = parsed.allowedAliases ?? [];
    await checkAliasesExist(tx, orgId, allowedAliases);
    const created = await insertKey(
      tx,
      { orgId, ...place, name: parsed.name, secret: generateKey(), expiresAt: parsed.expiresAt ?? null, allowedAliases, labels: parsed.labels ?? {}, ...creatorOf(audit) },
      keySecret,
    );
    await writeAudit(tx, audit, { objectType: 'ApiKey', objectId: created.key.id, before: null, after: created.key });
    await bumpConfigRevision(tx);
    return created;
  });
}

/**
 * Where a new key goes: the named environment (its project's team must match `teamId` when both
 * are given, so a mistake is refused rather than silently filed elsewhere), else the team's —
 * or the default team's — default project's production environment.
 */
async function keyPlacement(
  tx: Prisma.TransactionClient,
  orgId: string,
  environmentId: string | null,
  teamId: string | null,
): Promise<{ teamId: string; projectId: string; environmentId: string }> {
  if (environmentId !== null) {
    const environment = isUuid(environmentId)
      ? await tx.environment.findFirst({ where: { id: environmentId, orgId }, include: { project: { select: { teamId: true } } } })
      : null;
    if (!environment) throw new InputError('No environment with this id in your organization.', 'NOT_FOUND', 'environmentId');
    if (teamId !== null && teamId !== environment.project.teamId) {
      throw new InputError('teamId: the environment belongs to another team (omit teamId when giving environmentId)', 'BAD_USER_INPUT', 'teamId');
    }
    return { teamId: environment.project.teamId, projectId: environment.projectId, environmentId: environment.id };
  }
  const team = await resolveTeam(tx, orgId, teamId);
  const environment = await ensureDefaultEnvironment(tx, orgId, team.id);
  return { teamId: team.id, projectId: environment.projectId, environmentId: environment.id };
}

/** What a stored key holds besides its secret. Optional settings default to none. */
export interface KeyRecord {
  orgId: string;
  teamId: string;
  projectId: string;
  environmentId: string;
  name: string;
  secret: string;
  expiresAt?: Date | null;
  allowedAliases?: string[];
  labels?: Record<string, string>;
  createdByUserId?: string | null;
  createdByTokenId?: string | null;
}

/**
 * Stores a key whose secret is already chosen (a fresh one, or the embedded demo key kept
 * across restarts). The caller bumps the config revision in the same transaction.
 */
export async function insertKey(tx: Prisma.TransactionClient, key: KeyRecord, keySecret: string): Promise<CreatedKey> {
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
      expiresAt: key.expiresAt ?? null,
      allowedAliases: key.allowedAliases ?? [],
      labels: key.labels ?? {},
      createdByUserId: key.createdByUserId ?? null,
      createdByTokenId: key.createdByTokenId ?? null,
    },
  });
  return { key: row, secret: key.secret };
}

/** Which keys a list shows: the caller's visible teams, optionally narrowed. */
export interface KeyListFilter {
  orgId: string;
  visible: VisibleTeams;
  status?: ApiKeyStatus | null;
  teamId?: string | null;
  projectId?: string | null;
  environmentId?: string | null;
}

/** Keys of `orgId` the caller may see, newest first. `query` is Pothos' include/select. */
export async function listKeys(
  prisma: PrismaClient,
  filter: KeyListFilter,
  page: ListPage,
  query: { include?: Prisma.ApiKeyInclude; select?: Prisma.ApiKeySelect } = {},
): Promise<ApiKey[]> {
  const where: Prisma.ApiKeyWhereInput = {
    orgId: filter.orgId,
    teamId: teamIdFilter(filter.visible, filter.teamId ?? null),
    projectId: idFilter(filter.projectId ?? null),
    environmentId: idFilter(filter.environmentId ?? null),
    ...(filter.status ? { status: filter.status } : {}),
  };
  if (page.after !== null && (await prisma.apiKey.count({ where: { AND: [where, { id: page.after }] } })) === 0) throw afterNotInList();
  return prisma.apiKey.findMany({
    ...query,
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    ...prismaPage(page),
  } as Prisma.ApiKeyFindManyArgs);
}
