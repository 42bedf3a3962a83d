import { z } from 'zod';
import type { ApiToken, Prisma, PrismaClient, Role } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import type { Principal } from '../auth/roles.ts';
import { generateApiToken, insertApiToken } from './api-tokens.ts';
import { InputError, parseInput } from './input-error.ts';
import { isUuid, nameSchema } from './input-schemas.ts';
import { afterNotInList, prismaPage, type ListPage } from './list-page.ts';
import { inTransaction } from './transaction.ts';
import { teamIdFilter, type VisibleTeams } from './visible-teams.ts';

/** Input of {@link createApiToken}. Who may grant which role where is decided by the schema's scopes. */
export interface CreateApiTokenInput {
  name: string;
  role: Role;
  /** null = organization-wide. */
  teamId: string | null;
  expiresAt: Date | null;
}

const createSchema = z.object({
  name: nameSchema,
  role: z.enum(['OWNER', 'ADMIN', 'ANALYST', 'VIEWER']),
  teamId: z.string().nullable(),
  expiresAt: z.date().nullable().refine((d) => d === null || d.getTime() > Date.now(), 'must be in the future'),
});

/**
 * Creates an API token and returns it, the only time it is ever available (only its HMAC is
 * stored). Audited in the same transaction, without the token.
 */
export async function createApiToken(
  prisma: PrismaClient,
  creator: Principal,
  input: CreateApiTokenInput,
  keySecret: string,
  audit: AuditContext,
): Promise<{ token: string; apiToken: ApiToken }> {
  const parsed = parseInput(createSchema, input);
  return inTransaction(prisma, async (tx) => {
    if (parsed.teamId !== null && !(isUuid(parsed.teamId) && (await tx.team.findFirst({ where: { id: parsed.teamId, orgId: creator.orgId } })))) {
      throw new InputError('No team with this id in your organization.', 'NOT_FOUND', 'teamId');
    }
    const token = generateApiToken();
    const apiToken = await insertApiToken(
      tx,
      { orgId: creator.orgId, name: parsed.name, role: parsed.role, teamId: parsed.teamId, expiresAt: parsed.expiresAt, createdByUserId: creator.kind === 'user' ? creator.id : null, token },
      keySecret,
    );
    await writeAudit(tx, audit, { objectType: 'ApiToken', objectId: apiToken.id, before: null, after: apiToken });
    return { token, apiToken };
  });
}

/** Revokes a token of `orgId` (idempotent; a revoked token keeps its first revokedAt). Audited either way. */
export async function revokeApiToken(prisma: PrismaClient, orgId: string, id: string, audit: AuditContext): Promise<ApiToken> {
  if (!isUuid(id)) throw new InputError('No API token with this id in your organization.', 'NOT_FOUND', 'id');
  return inTransaction(prisma, async (tx) => {
    const before = await tx.apiToken.findFirst({ where: { id, orgId } });
    if (!before) throw new InputError('No API token with this id in your organization.', 'NOT_FOUND', 'id');
    const after = before.revokedAt === null ? await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } }) : before;
    await writeAudit(tx, audit, { objectType: 'ApiToken', objectId: id, before, after });
    return after;
  });
}

/** Tokens of `orgId` on the visible teams (organization-wide tokens only for 'all'), newest first. */
export async function listApiTokens(
  prisma: PrismaClient,
  filter: { orgId: string; visible: VisibleTeams },
  page: ListPage,
  query: { include?: Prisma.ApiTokenInclude; select?: Prisma.ApiTokenSelect } = {},
): Promise<ApiToken[]> {
  const where: Prisma.ApiTokenWhereInput = { orgId: filter.orgId, ...(filter.visible === 'all' ? {} : { teamId: teamIdFilter(filter.visible) }) };
  if (page.after !== null && (await prisma.apiToken.count({ where: { ...where, id: page.after } })) === 0) throw afterNotInList();
  return prisma.apiToken.findMany({ ...query, where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], ...prismaPage(page) } as Prisma.ApiTokenFindManyArgs);
}
