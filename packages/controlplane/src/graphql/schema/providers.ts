import { createProvider, listProviders, updateProvider } from '../../domain/providers.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';
import { ProviderHttp2Enum, ProviderTypeEnum } from './enums.ts';
import { PROVIDER_PRESETS, type ProviderPreset } from '@proxystacks/shared/providers/provider-presets';

/** One extra header of a provider (non-secret configuration, shown as stored). */
const ProviderHeader = builder.objectRef<{ name: string; value: string }>('ProviderHeader').implement({
  description: 'A non-secret header sent with every request to a provider.',
  fields: (t) => ({ name: t.exposeString('name'), value: t.exposeString('value') }),
});

const ProviderHeaderInput = builder.inputType('ProviderHeaderInput', {
  description: 'A header sent with every upstream request. Not for secrets: values show in the console and the audit trail (put keys in `credential`).',
  fields: (t) => ({ name: t.string({ required: true }), value: t.string({ required: true }) }),
});

const ProviderPresetRef = builder.objectRef<ProviderPreset>('ProviderPreset').implement({
  description: 'Ready-made settings for a well-known OpenAI-compatible vendor or Azure OpenAI, to fill the provider form.',
  fields: (t) => ({
    id: t.exposeID('id'),
    label: t.exposeString('label'),
    type: t.field({ type: ProviderTypeEnum, resolve: (preset) => preset.type.toUpperCase() as never }),
    baseUrl: t.exposeString('baseUrl', { description: 'For Azure a pattern: replace <resource>.' }),
    needsCredential: t.exposeBoolean('needsCredential'),
    apiVersion: t.exposeString('apiVersion', { nullable: true }),
    extraHeaders: t.field({ type: [ProviderHeader], resolve: (preset) => Object.entries(preset.extraHeaders).map(([name, value]) => ({ name, value })) }),
    local: t.exposeBoolean('local', { description: 'Points at a local server: the provider base-URL policy must allow private addresses.' }),
    note: t.exposeString('note'),
  }),
});

builder.prismaObject('Provider', {
  description: 'An upstream account. Its credential is write-only: only whether one is set shows.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    type: t.expose('type', { type: ProviderTypeEnum }),
    baseUrl: t.exposeString('baseUrl', { nullable: true }),
    hasCredential: t.boolean({ resolve: (provider) => provider.credentialSealed !== null }),
    enabledEnvironments: t.exposeStringList('enabledEnvironments', { description: 'Environment names the provider may serve; empty = every environment.' }),
    apiVersion: t.exposeString('apiVersion', { nullable: true, description: "AZURE_OPENAI's `api-version`; null = the default." }),
    extraHeaders: t.field({
      type: [ProviderHeader],
      description: 'Non-secret headers sent with every upstream request.',
      resolve: (provider) => {
        const stored = provider.extraHeaders;
        if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return [];
        return Object.entries(stored).flatMap(([name, value]) => (typeof value === 'string' ? [{ name, value }] : []));
      },
    }),
    http2: t.expose('http2', { type: ProviderHttp2Enum, description: 'Whether data planes offer HTTP/2 to this upstream.' }),
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
    apiVersion: t.string({ description: 'AZURE_OPENAI only: the `api-version` (default 2024-10-21).' }),
    extraHeaders: t.field({ type: [ProviderHeaderInput], description: 'Non-secret headers for every upstream request (at most 16).' }),
    http2: t.field({ type: ProviderHttp2Enum, description: 'Omit for OFF (HTTP/1.1). AUTO: HTTP/2 when the upstream offers it over TLS (an upstream GOAWAY then ends every stream of that connection).' }),
  }),
});

const UpdateProviderInput = builder.inputType('UpdateProviderInput', {
  description: 'Omitted fields stay as they are.',
  fields: (t) => ({
    name: t.string(),
    baseUrl: t.string({ description: "null returns to the adapter's default." }),
    credential: t.string({ description: 'A new API key (rotation), or null to remove it. Stored encrypted; never returned.' }),
    enabledEnvironments: t.stringList({ description: 'The environments the provider may serve from now on; [] = every environment.' }),
    apiVersion: t.string({ description: "AZURE_OPENAI only; null returns to the default." }),
    extraHeaders: t.field({ type: [ProviderHeaderInput], description: 'The full new list of extra headers; [] removes them all.' }),
    http2: t.field({ type: ProviderHttp2Enum, description: 'AUTO or OFF; omitted or null = unchanged.' }),
  }),
});

builder.queryFields((t) => ({
  providerPresets: t.field({
    authScopes: { anyTeam: 'config:read' },
    type: [ProviderPresetRef],
    description: 'Ready-made settings for Azure OpenAI and the OpenAI-compatible family (Groq, Together, Mistral, OpenRouter, vLLM, Ollama, LM Studio).',
    resolve: () => [...PROVIDER_PRESETS],
  }),
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
