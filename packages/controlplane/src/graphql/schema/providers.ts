import { createProvider, listProviders } from '../../domain/providers.ts';
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
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreateProviderInput = builder.inputType('CreateProviderInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    type: t.field({ type: ProviderTypeEnum, required: true }),
    baseUrl: t.string({ description: "Omit for the adapter's default; required for OPENAI_COMPATIBLE." }),
    credential: t.string({ description: 'API key for the upstream. Stored encrypted; never returned.' }),
  }),
});

builder.queryFields((t) => ({
  providers: t.prismaField({
    type: ['Provider'],
    description: 'Providers of your organization, by name.',
    resolve: (query, _root, _args, ctx) => listProviders(ctx.prisma, ctx.admin.orgId, query),
  }),
}));

builder.mutationFields((t) => ({
  createProvider: t.prismaField({
    type: 'Provider',
    args: { input: t.arg({ type: CreateProviderInput, required: true }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const provider = await createProvider(ctx.prisma, ctx.admin.orgId, input, ctx.deps.masterKey);
      await ctx.deps.onConfigChanged();
      return provider;
    },
  }),
}));
