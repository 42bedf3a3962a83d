import { createPricingRule, listPricingRules } from '../../domain/pricing.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';

builder.prismaObject('PricingRule', {
  description: 'Price of one provider model per million tokens. Versioned, never edited.',
  fields: (t) => ({
    id: t.exposeID('id'),
    model: t.exposeString('model'),
    version: t.exposeInt('version'),
    inputMicrosPerMTok: t.expose('inputMicrosPerMTok', { type: 'Micros' }),
    outputMicrosPerMTok: t.expose('outputMicrosPerMTok', { type: 'Micros' }),
    cachedInputMicrosPerMTok: t.expose('cachedInputMicrosPerMTok', { type: 'Micros', nullable: true }),
    cacheWriteMicrosPerMTok: t.expose('cacheWriteMicrosPerMTok', {
      type: 'Micros',
      nullable: true,
      description: "Price of prompt-cache writes (Anthropic's cache_creation_input_tokens); null = billed as input.",
    }),
    effectiveFrom: t.expose('effectiveFrom', { type: 'DateTime' }),
    provider: t.relation('provider'),
  }),
});

const CreatePricingRuleInput = builder.inputType('CreatePricingRuleInput', {
  fields: (t) => ({
    providerId: t.id({ required: true }),
    model: t.string({ required: true, description: 'Upstream model name, as routes send it.' }),
    inputMicrosPerMTok: t.field({ type: 'Micros', required: true }),
    outputMicrosPerMTok: t.field({ type: 'Micros', required: true }),
    cachedInputMicrosPerMTok: t.field({ type: 'Micros', description: 'Omit to bill cached input as input.' }),
    cacheWriteMicrosPerMTok: t.field({
      type: 'Micros',
      description: 'Price of prompt-cache writes (Anthropic: 1.25 × input for the 5-minute cache, 2 × for the 1-hour one). Omit to bill cache writes as input.',
    }),
  }),
});

builder.queryFields((t) => ({
  pricingRules: t.prismaField({
    authScopes: { anyTeam: 'config:read' },
    type: ['PricingRule'],
    description: "Pricing rules of your organization's providers, newest version first per model.",
    args: { first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }), after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }) },
    resolve: (query, _root, args, ctx) => listPricingRules(ctx.prisma, ctx.principal.orgId, checkListPage(args.first, args.after === null || args.after === undefined ? null : String(args.after)), query),
  }),
}));

builder.mutationFields((t) => ({
  createPricingRule: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'PricingRule',
    description: 'Adds the next version of a provider model price.',
    args: { input: t.arg({ type: CreatePricingRuleInput, required: true }) },
    resolve: async (_query, _root, { input }, ctx, info) => {
      const rule = await createPricingRule(ctx.prisma, ctx.principal.orgId, { ...input, providerId: String(input.providerId) }, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return rule;
    },
  }),
}));
