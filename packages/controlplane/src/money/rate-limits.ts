import { z } from 'zod';
import type { PrismaClient, RateLimit, RateLimitScope } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from '../domain/config-revision.ts';
import { InputError, parseInput } from '../domain/input-error.ts';
import { isUuid } from '../domain/input-schemas.ts';
import { inTransaction } from '../domain/transaction.ts';
import { afterNotInList, prismaPage, type ListPage } from '../domain/list-page.ts';
import { requireScope, scopeTeam, scopeWhere, type VisibleScopes } from './limit-scope.ts';

/** The scopes a rate limit can be set on. */
export const RATE_LIMIT_SCOPES = ['KEY', 'TEAM', 'PROJECT'] as const satisfies readonly RateLimitScope[];

/** Largest value of any limit: the columns are 32-bit integers. */
export const MAX_RATE_LIMIT = 2_147_483_647;

const limitValue = z.int('must be a whole number').min(1, 'must be at least 1 (null = no limit)').max(MAX_RATE_LIMIT, `must be at most ${MAX_RATE_LIMIT}`).nullable();

const setRateLimitSchema = z
  .object({
    scope: z.enum(RATE_LIMIT_SCOPES),
    scopeId: z.string(),
    requestsPerMinute: limitValue,
    tokensPerMinute: limitValue,
    concurrentRequests: limitValue,
  })
  .refine((v) => v.requestsPerMinute !== null || v.tokensPerMinute !== null || v.concurrentRequests !== null, {
    message: 'set at least one limit (use removeRateLimit to remove them all)',
    path: ['requestsPerMinute'],
  });

/** What {@link setRateLimit} takes: each kind a positive whole number, or null for "no limit of that kind". */
export interface SetRateLimitInput {
  scope: RateLimitScope;
  scopeId: string;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  concurrentRequests: number | null;
}

/**
 * Sets the rate limits of a key, team or project (one row per scope, replaced as a whole),
 * audited and with a config revision bump so data planes enforce it from their next snapshot.
 */
export async function setRateLimit(prisma: PrismaClient, orgId: string, input: SetRateLimitInput, audit: AuditContext): Promise<RateLimit> {
  const parsed = parseInput(setRateLimitSchema, input);
  return inTransaction(prisma, async (tx) => {
    await requireScope(tx, orgId, parsed.scope, parsed.scopeId);
    const before = await tx.rateLimit.findUnique({ where: { scope_scopeId: { scope: parsed.scope, scopeId: parsed.scopeId } } });
    const limits = { requestsPerMinute: parsed.requestsPerMinute, tokensPerMinute: parsed.tokensPerMinute, concurrentRequests: parsed.concurrentRequests };
    const after = before
      ? await tx.rateLimit.update({ where: { id: before.id }, data: limits })
      : await tx.rateLimit.create({ data: { orgId, scope: parsed.scope, scopeId: parsed.scopeId, ...limits } });
    await writeAudit(tx, audit, { objectType: 'RateLimit', objectId: after.id, before, after });
    await bumpConfigRevision(tx);
    return after;
  });
}

/** Removes a rate limit by id; returns the row as it was. */
export async function removeRateLimit(prisma: PrismaClient, orgId: string, id: string, audit: AuditContext): Promise<RateLimit> {
  return inTransaction(prisma, async (tx) => {
    const before = isUuid(id) ? await tx.rateLimit.findFirst({ where: { id, orgId } }) : null;
    if (!before) throw new InputError('No rate limit with this id in your organization.', 'NOT_FOUND', 'id');
    await tx.rateLimit.delete({ where: { id } });
    await writeAudit(tx, audit, { objectType: 'RateLimit', objectId: id, before, after: null });
    await bumpConfigRevision(tx);
    return before;
  });
}

/** Rate limits of `orgId` the caller may see, optionally of one scope kind or one scope, by scope. */
export async function listRateLimits(
  prisma: PrismaClient,
  filter: { orgId: string; visible: VisibleScopes; scope: RateLimitScope | null; scopeId: string | null },
  page: ListPage,
): Promise<RateLimit[]> {
  if (filter.scopeId !== null && !isUuid(filter.scopeId)) return [];
  const where = {
    orgId: filter.orgId,
    ...scopeWhere(filter.visible, RATE_LIMIT_SCOPES),
    ...(filter.scope === null ? {} : { scope: filter.scope }),
    ...(filter.scopeId === null ? {} : { scopeId: filter.scopeId }),
  };
  if (page.after !== null && (await prisma.rateLimit.count({ where: { AND: [where, { id: page.after }] } })) === 0) throw afterNotInList();
  return prisma.rateLimit.findMany({ where, orderBy: [{ scope: 'asc' }, { scopeId: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
}

/** The team owning a rate limit (by id), for authorization; null when there is none. */
export async function rateLimitTeam(prisma: PrismaClient, orgId: string, id: string): Promise<string | null> {
  const row = isUuid(id) ? await prisma.rateLimit.findFirst({ where: { id, orgId }, select: { scope: true, scopeId: true } }) : null;
  return row === null ? null : scopeTeam(prisma, orgId, row.scope, row.scopeId);
}
