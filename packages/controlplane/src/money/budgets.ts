import { z } from 'zod';
import type { Budget, BudgetMode, BudgetPeriod, BudgetScope, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from '../domain/config-revision.ts';
import { InputError, parseInput, rejectDuplicate } from '../domain/input-error.ts';
import { httpUrlSchema, isUuid } from '../domain/input-schemas.ts';
import { afterNotInList, prismaPage, type ListPage } from '../domain/list-page.ts';
import { assertProviderUrlAllowed, type ProviderUrlGuard } from '../domain/provider-url-guard.ts';
import { inTransaction } from '../domain/transaction.ts';
import { requireScope, scopeTeam, scopeWhere, type VisibleScopes } from './limit-scope.ts';

/** Alert thresholds: percentages of the amount, 1–1000 (a budget may be watched past its end), at most 10. */
export const ALERT_THRESHOLD_RANGE = { min: 1, max: 1000, maxCount: 10 } as const;

/** The largest budget amount: what the snapshot (a JSON number) carries exactly. */
const MAX_AMOUNT_MICROS = BigInt(Number.MAX_SAFE_INTEGER);

const amountSchema = z
  .bigint({ error: 'must be an integer amount of micros' })
  .min(1n, 'must be at least 1 micro')
  .max(MAX_AMOUNT_MICROS, `must be at most ${MAX_AMOUNT_MICROS}`);

/** Deduplicated and sorted ascending, so [80, 50, 80] and [50, 80] are the same budget. */
const thresholdsSchema = z
  .array(z.int('must be a whole number').min(ALERT_THRESHOLD_RANGE.min, `must be at least ${ALERT_THRESHOLD_RANGE.min}`).max(ALERT_THRESHOLD_RANGE.max, `must be at most ${ALERT_THRESHOLD_RANGE.max}`))
  .max(ALERT_THRESHOLD_RANGE.maxCount, `may have at most ${ALERT_THRESHOLD_RANGE.maxCount} thresholds`)
  .transform((values) => [...new Set(values)].sort((a, b) => a - b));

const budgetNameSchema = z.string().trim().max(100, 'must be at most 100 characters');

const createBudgetSchema = z.object({
  scope: z.enum(['ORGANIZATION', 'TEAM', 'PROJECT', 'ENVIRONMENT', 'KEY']),
  scopeId: z.string().nullish(),
  name: budgetNameSchema.nullish(),
  period: z.enum(['DAY', 'WEEK', 'MONTH', 'LIFETIME']),
  amountMicros: amountSchema,
  mode: z.enum(['HARD', 'ALERT']).nullish(),
  alertThresholds: thresholdsSchema.nullish(),
  webhookUrl: httpUrlSchema.nullish(),
});

const updateBudgetSchema = z.object({
  name: budgetNameSchema.nullish(),
  amountMicros: amountSchema.nullish(),
  mode: z.enum(['HARD', 'ALERT']).nullish(),
  alertThresholds: thresholdsSchema.nullish(),
  webhookUrl: httpUrlSchema.nullish(),
  clearWebhookUrl: z.boolean().nullish(),
});

/** What {@link createBudget} takes. */
export interface CreateBudgetInput {
  scope: BudgetScope;
  /** The team's, project's, environment's or key's id; ignored (the caller's org) for ORGANIZATION. */
  scopeId?: string | null;
  name?: string | null;
  period: BudgetPeriod;
  amountMicros: bigint;
  /** Default HARD. */
  mode?: BudgetMode | null;
  /** Percentages 1–1000; deduplicated and sorted. Default none. */
  alertThresholds?: number[] | null;
  /** Where alerts are POSTed; checked against the provider base-URL policy. */
  webhookUrl?: string | null;
}

/** What {@link updateBudget} takes: omitted (or null) fields stay as they are. Scope and period are fixed. */
export interface UpdateBudgetInput {
  name?: string | null;
  amountMicros?: bigint | null;
  mode?: BudgetMode | null;
  alertThresholds?: number[] | null;
  webhookUrl?: string | null;
  /** true = no webhook any more (not with webhookUrl). */
  clearWebhookUrl?: boolean | null;
}

/**
 * Creates a budget on a scope of `orgId`: one per scope and period. The webhook URL is checked
 * now against the provider base-URL policy (and again on every delivery, after resolution).
 */
export async function createBudget(prisma: PrismaClient, orgId: string, input: CreateBudgetInput, guard: ProviderUrlGuard, audit: AuditContext): Promise<Budget> {
  const parsed = parseInput(createBudgetSchema, input);
  const scopeId = parsed.scope === 'ORGANIZATION' ? orgId : (parsed.scopeId ?? '');
  if (parsed.webhookUrl) await assertProviderUrlAllowed(parsed.webhookUrl, guard, 'webhookUrl');
  return rejectDuplicate(
    () =>
      inTransaction(prisma, async (tx) => {
        await requireScope(tx, orgId, parsed.scope, scopeId);
        const budget = await tx.budget.create({
          data: {
            orgId,
            scope: parsed.scope,
            scopeId,
            name: parsed.name ?? '',
            period: parsed.period,
            amountMicros: parsed.amountMicros,
            mode: parsed.mode ?? 'HARD',
            alertThresholds: parsed.alertThresholds ?? [],
            webhookUrl: parsed.webhookUrl ?? null,
          },
        });
        await writeAudit(tx, audit, { objectType: 'Budget', objectId: budget.id, before: null, after: budget });
        await bumpConfigRevision(tx);
        return budget;
      }),
    `This ${parsed.scope.toLowerCase()} already has a ${parsed.period.toLowerCase()} budget: change that one.`,
    'period',
  );
}

/** Changes a budget's name, amount, mode, thresholds or webhook. */
export async function updateBudget(prisma: PrismaClient, orgId: string, id: string, input: UpdateBudgetInput, guard: ProviderUrlGuard, audit: AuditContext): Promise<Budget> {
  const parsed = parseInput(updateBudgetSchema, input);
  if (parsed.clearWebhookUrl && parsed.webhookUrl) {
    throw new InputError('clearWebhookUrl: cannot be combined with webhookUrl (send one of them)', 'BAD_USER_INPUT', 'clearWebhookUrl');
  }
  if (parsed.webhookUrl) await assertProviderUrlAllowed(parsed.webhookUrl, guard, 'webhookUrl');
  const data: Prisma.BudgetUpdateInput = {};
  if (parsed.name !== null && parsed.name !== undefined) data.name = parsed.name;
  if (parsed.amountMicros) data.amountMicros = parsed.amountMicros;
  if (parsed.mode) data.mode = parsed.mode;
  if (parsed.alertThresholds) data.alertThresholds = parsed.alertThresholds;
  if (parsed.webhookUrl) data.webhookUrl = parsed.webhookUrl;
  if (parsed.clearWebhookUrl) data.webhookUrl = null;
  return inTransaction(prisma, async (tx) => {
    const before = await findBudget(tx, orgId, id);
    if (Object.keys(data).length === 0) return before;
    const after = await tx.budget.update({ where: { id: before.id }, data });
    await writeAudit(tx, audit, { objectType: 'Budget', objectId: id, before, after });
    await bumpConfigRevision(tx);
    return after;
  });
}

/** Deletes a budget (its alert history goes with it); returns it as it was. */
export async function deleteBudget(prisma: PrismaClient, orgId: string, id: string, audit: AuditContext): Promise<Budget> {
  return inTransaction(prisma, async (tx) => {
    const before = await findBudget(tx, orgId, id);
    await tx.budget.delete({ where: { id } });
    await writeAudit(tx, audit, { objectType: 'Budget', objectId: id, before, after: null });
    await bumpConfigRevision(tx);
    return before;
  });
}

/** Budgets of `orgId` the caller may see, optionally of one scope kind or one scope, by scope then period. */
export async function listBudgets(
  prisma: PrismaClient,
  filter: { orgId: string; visible: VisibleScopes; scope: BudgetScope | null; scopeId: string | null },
  page: ListPage,
): Promise<Budget[]> {
  if (filter.scopeId !== null && !isUuid(filter.scopeId)) return [];
  const where: Prisma.BudgetWhereInput = {
    orgId: filter.orgId,
    ...scopeWhere(filter.visible, ['TEAM', 'PROJECT', 'ENVIRONMENT', 'KEY'] as const),
    ...(filter.scope === null ? {} : { scope: filter.scope }),
    ...(filter.scopeId === null ? {} : { scopeId: filter.scopeId }),
  };
  if (page.after !== null && (await prisma.budget.count({ where: { AND: [where, { id: page.after }] } })) === 0) throw afterNotInList();
  return prisma.budget.findMany({ where, orderBy: [{ scope: 'asc' }, { scopeId: 'asc' }, { period: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
}

/** The team owning a budget (by id), for authorization: null for organization budgets and unknown ids. */
export async function budgetTeam(prisma: PrismaClient, orgId: string, id: string): Promise<string | null> {
  const row = isUuid(id) ? await prisma.budget.findFirst({ where: { id, orgId }, select: { scope: true, scopeId: true } }) : null;
  return row === null ? null : scopeTeam(prisma, orgId, row.scope, row.scopeId);
}

async function findBudget(tx: Prisma.TransactionClient, orgId: string, id: string): Promise<Budget> {
  const budget = isUuid(id) ? await tx.budget.findFirst({ where: { id, orgId } }) : null;
  if (!budget) throw new InputError('No budget with this id in your organization.', 'NOT_FOUND', 'id');
  return budget;
}
