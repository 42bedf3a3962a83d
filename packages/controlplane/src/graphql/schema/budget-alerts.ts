import type { BudgetAlert } from '../../generated/prisma/client.ts';
import { teamsWith } from '../../auth/roles.ts';
import { AUDIT_PAGE_LIMIT } from '../../domain/audit-query.ts';
import { listBudgetAlerts } from '../../money/budget-alert-history.ts';
import { visibleScopes } from '../../money/limit-scope.ts';
import { builder } from '../builder.ts';
import { BudgetScopeEnum } from './money-enums.ts';

const BudgetAlertRef = builder.objectRef<BudgetAlert>('BudgetAlert').implement({
  description: 'A budget threshold crossed in one window, recorded once, and its webhook delivery.',
  fields: (t) => ({
    id: t.exposeID('id'),
    budgetId: t.exposeID('budgetId'),
    windowStart: t.expose('windowStart', { type: 'DateTime' }),
    windowEnd: t.expose('windowEnd', { type: 'DateTime', nullable: true, description: 'null for LIFETIME budgets.' }),
    thresholdPercent: t.exposeInt('thresholdPercent'),
    spentMicros: t.expose('spentMicros', { type: 'Micros', description: 'Spend in the window when the threshold was crossed.' }),
    amountMicros: t.expose('amountMicros', { type: 'Micros', description: "The budget's amount then." }),
    recordedAt: t.expose('createdAt', { type: 'DateTime' }),
    webhookStatus: t.exposeString('webhookStatus', { description: '`none` (no webhook), `pending` (being delivered, with retries), `delivered` or `failed`.' }),
    webhookAttempts: t.exposeInt('webhookAttempts'),
    webhookLastError: t.exposeString('webhookLastError', { nullable: true, description: 'Why the last attempt failed (a status or a connection error code), never the URL.' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
  }),
});

const BudgetAlertPageRef = builder.objectRef<{ alerts: BudgetAlert[]; nextCursor: string | null }>('BudgetAlertPage').implement({
  description: 'A page of budget alerts, newest first.',
  fields: (t) => ({
    alerts: t.field({ type: [BudgetAlertRef], resolve: (page) => page.alerts }),
    nextCursor: t.exposeString('nextCursor', { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' }),
  }),
});

const BudgetAlertFilterInput = builder.inputType('BudgetAlertFilter', {
  description: 'Narrows the alert history; the fields combine (AND).',
  fields: (t) => ({
    budgetId: t.id(),
    scope: t.field({ type: BudgetScopeEnum }),
    scopeId: t.id(),
    from: t.field({ type: 'DateTime', description: 'Alerts recorded at or after this instant.' }),
    to: t.field({ type: 'DateTime', description: 'Alerts recorded before this instant.' }),
  }),
});

builder.queryFields((t) => ({
  budgetAlerts: t.field({
    authScopes: { anyTeam: 'spend:read' },
    type: BudgetAlertPageRef,
    description: 'Alerts of the budgets you may see, newest first.',
    args: {
      filter: t.arg({ type: BudgetAlertFilterInput }),
      first: t.arg.int({ description: `Page size, ${AUDIT_PAGE_LIMIT.min}–${AUDIT_PAGE_LIMIT.max} (default ${AUDIT_PAGE_LIMIT.default}).` }),
      after: t.arg.string({ description: '`nextCursor` of the previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const filter = args.filter ?? {};
      return listBudgetAlerts(
        ctx.prisma,
        ctx.principal.orgId,
        await visibleScopes(ctx.prisma, ctx.principal.orgId, teamsWith(ctx.principal, 'spend:read')),
        { ...filter, budgetId: filter.budgetId === null || filter.budgetId === undefined ? null : String(filter.budgetId), scopeId: filter.scopeId === null || filter.scopeId === undefined ? null : String(filter.scopeId) },
        { first: args.first, after: args.after },
      );
    },
  }),
}));
