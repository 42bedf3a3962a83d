import type { BudgetAlert, BudgetScope, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { checkAuditLimit } from '../domain/audit-query.ts';
import { InputError } from '../domain/input-error.ts';
import { isUuid } from '../domain/input-schemas.ts';
import { scopeWhere, type VisibleScopes } from './limit-scope.ts';

/** Which alerts to list; the fields combine (AND). `[from, to)` is on when the alert was recorded. */
export interface BudgetAlertFilter {
  budgetId?: string | null;
  scope?: BudgetScope | null;
  scopeId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** One page of alerts, newest first; `nextCursor` is null on the last page. */
export interface BudgetAlertPage {
  alerts: BudgetAlert[];
  nextCursor: string | null;
}

/**
 * Alerts of `orgId`'s budgets the caller may see, newest first by (recorded at, id). Keyset
 * paging: a page starts strictly after the cursor's (createdAt, id), so alerts recorded meanwhile
 * never shift later pages. Page sizes as the audit trail's (1–200, default 50).
 * @throws InputError naming `first`, `after` or the filter field that is malformed.
 */
export async function listBudgetAlerts(
  prisma: PrismaClient,
  orgId: string,
  visible: VisibleScopes,
  filter: BudgetAlertFilter,
  page: { first?: number | null; after?: string | null },
): Promise<BudgetAlertPage> {
  const first = checkAuditLimit(page.first);
  const cursor = page.after === null || page.after === undefined ? null : decodeAlertCursor(page.after);
  if (filter.from && filter.to && filter.from.getTime() >= filter.to.getTime()) {
    throw new InputError('`filter.from` must be before `filter.to`.', 'BAD_USER_INPUT', 'filter.from');
  }
  const budget: Prisma.BudgetWhereInput = {
    ...scopeWhere(visible, ['TEAM', 'PROJECT', 'ENVIRONMENT', 'KEY'] as const),
    ...(filter.scope ? { scope: filter.scope } : {}),
    ...(filter.scopeId ? { scopeId: isUuid(filter.scopeId) ? filter.scopeId : '00000000-0000-0000-0000-000000000000' } : {}),
  };
  const where: Prisma.BudgetAlertWhereInput = { orgId, budget };
  if (filter.budgetId) where.budgetId = isUuid(filter.budgetId) ? filter.budgetId : { in: [] };
  if (filter.from || filter.to) where.createdAt = { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) };
  const rows = await prisma.budgetAlert.findMany({
    where: cursor === null ? where : { AND: [where, { OR: [{ createdAt: { lt: cursor.at } }, { createdAt: cursor.at, id: { lt: cursor.id } }] }] },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    // One row past the page tells whether another page exists, without a count query.
    take: first + 1,
  });
  const alerts = rows.slice(0, first);
  const last = alerts.at(-1);
  return { alerts, nextCursor: rows.length > first && last !== undefined ? encodeAlertCursor(last) : null };
}

/** The opaque cursor of an alert; clients must not build one. */
function encodeAlertCursor(alert: Pick<BudgetAlert, 'createdAt' | 'id'>): string {
  return Buffer.from(`budget-alert:${alert.createdAt.getTime()}:${alert.id}`, 'utf8').toString('base64url');
}

function decodeAlertCursor(cursor: string): { at: Date; id: string } {
  const invalid = new InputError('`after` is not a cursor this list returned.', 'BAD_USER_INPUT', 'after');
  if (cursor.length > 128 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  const match = /^budget-alert:(\d{1,15}):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match?.[1] === undefined || match[2] === undefined || !isUuid(match[2])) throw invalid;
  return { at: new Date(Number(match[1])), id: match[2] };
}
