import { createProvider, listProviders, updateProvider } from '../../domain/providers.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';
import { ProviderTypeEnum } from './enums.ts';

builder.prismaObject('Provider', {
  description: 'An upstream account. Its credential is write-only: only whether one is set shows.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    type: t.expose('type', { type: ProviderTypeEnum }),
    baseUrl: t.exposeString('baseUrl', { nullable: true }),
    hasCredential: t.boolean({ resolve: (provider) => provider.credentialSealed !== null }),
    enabledEnvironments: t.exposeStringList('enabledEnvironments', { description: 'Environment names the provider may serve; empty = every environment.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreateProviderInput = builder.inputType('CreateProviderInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    type: t.field({ type: ProviderTypeEnum, required: true }),
    baseUrl: t.string({ description: "Omit for the adapter's default; required for OPENAI_COMPATIBLE." }),
    credential: t.string({ description: 'API key for the upstream. Stored encrypted; never returned.' }),
    enabledEnvironments: t.stringList({ description: 'Environment names (lower-case slugs) the provider may serve; omit or [] for every environment.' }),
  }),
});

const UpdateProviderInput = builder.inputType('UpdateProviderInput', {
  description: 'Omitted fields stay as they are.',
  fields: (t) => ({
    name: t.string(),
    baseUrl: t.string({ description: "null returns to the adapter's default." }),
    credential: t.string({ description: 'A new API key (rotation), or null to remove it. Stored encrypted; never returned.' }),
    enabledEnvironments: t.stringList({ description: 'The environments the provider may serve from now on; [] = every environment.' }),
  }),
});

builder.queryFields((t) => ({
  providers: t.prismaField({
    authScopes: { anyTeam: 'config:read' },
    type: ['Provider'],
    description: 'Providers of your organization, by name.',
    args: { first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }), after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }) },
    resolve: (query, _root, args, ctx) => listProviders(ctx.prisma, ctx.principal.orgId, checkListPage(args.first, args.after === null || args.after === undefined ? null : String(args.after)), query),
  }),
}));

builder.mutationFields((t) => ({
  createProvider: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'Provider',
    args: { input: t.arg({ type: CreateProviderInput, required: true }) },
    resolve: async (_query, _root, { input }, ctx, info) => {
      const provider = await createProvider(ctx.prisma, ctx.principal.orgId, input, ctx.deps.masterKey, ctx.deps.providerUrls, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return provider;
    },
  }),
  updateProvider: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'Provider',
    description: 'Changes a provider, e.g. rotates its credential; data planes switch with the next snapshot.',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateProviderInput, required: true }) },
    resolve: async (_query, _root, { id, input }, ctx, info) => {
      const provider = await updateProvider(ctx.prisma, ctx.principal.orgId, String(id), input, ctx.deps.masterKey, ctx.deps.providerUrls, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return provider;
    },
  }),
}));
