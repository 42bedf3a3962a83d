import type { Budget } from '../../generated/prisma/client.ts';
import { teamsWith } from '../../auth/roles.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { budgetUsage, type BudgetUsage } from '../../money/budget-usage.ts';
import { ALERT_THRESHOLD_RANGE, budgetTeam, createBudget, deleteBudget, listBudgets, updateBudget } from '../../money/budgets.ts';
import { findScope, scopeTeam, visibleScopes } from '../../money/limit-scope.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';
import { BudgetModeEnum, BudgetPeriodEnum, BudgetScopeEnum } from './money-enums.ts';

/** A budget with where it stands now. */
interface BudgetView {
  budget: Budget;
  usage: BudgetUsage;
}

/** Where `budget` stands at the context's clock, in its organization's time zone. */
async function viewBudget(ctx: GraphQLContext, budget: Budget): Promise<BudgetView> {
  const org = await ctx.prisma.organization.findUniqueOrThrow({ where: { id: budget.orgId }, select: { timeZone: true } });
  return { budget, usage: await budgetUsage(ctx.prisma, budget, org.timeZone, (ctx.deps.now ?? Date.now)()) };
}

const BudgetWindowRef = builder.objectRef<{ start: Date; end: Date | null }>('BudgetWindow').implement({
  description: "A budget window: [start, end), aligned to the calendar in the organization's time zone.",
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime' }),
    end: t.expose('end', { type: 'DateTime', nullable: true, description: 'null for LIFETIME budgets.' }),
  }),
});

const BudgetRef = builder.objectRef<BudgetView>('Budget').implement({
  description: 'A spending limit of a scope per calendar period, with where it stands in the current window (spend from the ledger).',
  fields: (t) => ({
    id: t.id({ resolve: (v) => v.budget.id }),
    name: t.string({ resolve: (v) => v.budget.name }),
    scope: t.field({ type: BudgetScopeEnum, resolve: (v) => v.budget.scope }),
    scopeId: t.id({ resolve: (v) => v.budget.scopeId }),
    scopeName: t.string({
      nullable: true,
      description: "The organization's, team's, project's, environment's (`project / staging`) or key's name; null if it is gone.",
      resolve: async (v, _args, ctx) => (await findScope(ctx.prisma, v.budget.orgId, v.budget.scope, v.budget.scopeId))?.name ?? null,
    }),
    period: t.field({ type: BudgetPeriodEnum, resolve: (v) => v.budget.period }),
    amountMicros: t.field({ type: 'Micros', resolve: (v) => v.budget.amountMicros }),
    mode: t.field({ type: BudgetModeEnum, resolve: (v) => v.budget.mode }),
    alertThresholds: t.intList({ description: 'Percentages of the amount at which an alert is recorded, once per window; ascending.', resolve: (v) => v.budget.alertThresholds }),
    webhookOrigin: t.string({
      nullable: true,
      description: "Scheme, host and port of the alert webhook; null = none. The path is not shown: webhook URLs often carry the receiver's secret.",
      resolve: (v) => (v.budget.webhookUrl === null ? null : new URL(v.budget.webhookUrl).origin),
    }),
    currentWindow: t.field({ type: BudgetWindowRef, resolve: (v) => ({ start: v.usage.windowStart, end: v.usage.windowEnd }) }),
    spentMicros: t.field({ type: 'Micros', description: 'Spend of the scope in the current window (ledger REQUEST postings).', resolve: (v) => v.usage.spentMicros }),
    remainingMicros: t.field({ type: 'Micros', description: 'amountMicros − spentMicros, never below 0.', resolve: (v) => v.usage.remainingMicros }),
    percentUsed: t.float({ description: 'spent ÷ amount in percent, rounded down to hundredths; may pass 100.', resolve: (v) => v.usage.percentUsed }),
    resetsAt: t.field({ type: 'DateTime', nullable: true, description: 'When the current window ends; null for LIFETIME.', resolve: (v) => v.usage.windowEnd }),
    createdAt: t.field({ type: 'DateTime', resolve: (v) => v.budget.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (v) => v.budget.updatedAt }),
  }),
});

const thresholdsDescription = `Percentages ${ALERT_THRESHOLD_RANGE.min}–${ALERT_THRESHOLD_RANGE.max} (at most ${ALERT_THRESHOLD_RANGE.maxCount}); repeats are dropped and the list sorted.`;
const webhookDescription = 'http(s) URL alerts are POSTed to; it must pass the provider base-URL policy (never link-local or cloud metadata; loopback and private networks only where allowed).';

const CreateBudgetInput = builder.inputType('CreateBudgetInput', {
  fields: (t) => ({
    scope: t.field({ type: BudgetScopeEnum, required: true }),
    scopeId: t.id({ description: "The team's, project's, environment's or key's id; omit for ORGANIZATION." }),
    name: t.string({ description: 'At most 100 characters; default empty.' }),
    period: t.field({ type: BudgetPeriodEnum, required: true, description: 'One budget per scope and period.' }),
    amountMicros: t.field({ type: 'Micros', required: true, description: 'At least 1.' }),
    mode: t.field({ type: BudgetModeEnum, description: 'Default HARD.' }),
    alertThresholds: t.intList({ description: thresholdsDescription }),
    webhookUrl: t.string({ description: webhookDescription }),
  }),
});

const UpdateBudgetInput = builder.inputType('UpdateBudgetInput', {
  description: 'Omitted fields stay as they are; scope and period are fixed (create another budget for another period).',
  fields: (t) => ({
    name: t.string(),
    amountMicros: t.field({ type: 'Micros' }),
    mode: t.field({ type: BudgetModeEnum }),
    alertThresholds: t.intList({ description: `${thresholdsDescription} [] = no alerts.` }),
    webhookUrl: t.string({ description: webhookDescription }),
    clearWebhookUrl: t.boolean({ description: 'true: no webhook any more (not with webhookUrl).' }),
  }),
});

builder.queryFields((t) => ({
  budgets: t.field({
    authScopes: { anyTeam: 'spend:read' },
    type: [BudgetRef],
    description: 'Budgets of the scopes you may see (organization budgets with an organization grant only), with their current window and spend.',
    args: {
      scope: t.arg({ type: BudgetScopeEnum }),
      scopeId: t.arg.id(),
      first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }),
      after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }),
    },
    resolve: async (_root, args, ctx) => {
      const budgets = await listBudgets(
        ctx.prisma,
        {
          orgId: ctx.principal.orgId,
          visible: await visibleScopes(ctx.prisma, ctx.principal.orgId, teamsWith(ctx.principal, 'spend:read')),
          scope: args.scope ?? null,
          scopeId: args.scopeId === null || args.scopeId === undefined ? null : String(args.scopeId),
        },
        checkListPage(args.first, args.after === null || args.after === undefined ? null : String(args.after)),
      );
      return Promise.all(budgets.map((budget) => viewBudget(ctx, budget)));
    },
  }),
}));

builder.mutationFields((t) => ({
  createBudget: t.field({
    // An organization budget has no team: only an organization grant may set it.
    authScopes: async (_root, { input }, ctx) => ({
      team: {
        permission: 'config:write',
        teamId: input.scope === 'ORGANIZATION' ? null : await scopeTeam(ctx.prisma, ctx.principal.orgId, input.scope, String(input.scopeId ?? '')),
      },
    }),
    type: BudgetRef,
    description: 'Creates a budget on a scope; data planes enforce it from their next snapshot.',
    args: { input: t.arg({ type: CreateBudgetInput, required: true }) },
    resolve: async (_root, { input }, ctx, info) => {
      const budget = await createBudget(
        ctx.prisma,
        ctx.principal.orgId,
        { ...input, scopeId: input.scopeId === null || input.scopeId === undefined ? null : String(input.scopeId) },
        ctx.deps.providerUrls,
        auditOf(ctx, info),
      );
      await ctx.deps.onConfigChanged();
      return viewBudget(ctx, budget);
    },
  }),
  updateBudget: t.field({
    authScopes: async (_root, { id }, ctx) => ({ team: { permission: 'config:write', teamId: await budgetTeam(ctx.prisma, ctx.principal.orgId, String(id)) } }),
    type: BudgetRef,
    description: "Changes a budget's name, amount, mode, alert thresholds or webhook.",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateBudgetInput, required: true }) },
    resolve: async (_root, { id, input }, ctx, info) => {
      const budget = await updateBudget(ctx.prisma, ctx.principal.orgId, String(id), input, ctx.deps.providerUrls, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return viewBudget(ctx, budget);
    },
  }),
  deleteBudget: t.field({
    authScopes: async (_root, { id }, ctx) => ({ team: { permission: 'config:write', teamId: await budgetTeam(ctx.prisma, ctx.principal.orgId, String(id)) } }),
    type: 'ID',
    description: 'Deletes a budget and its alert history; returns its id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx, info) => {
      const deleted = await deleteBudget(ctx.prisma, ctx.principal.orgId, String(id), auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return deleted.id;
    },
  }),
}));
