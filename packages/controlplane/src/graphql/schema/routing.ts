import { addModelRoute, ALL_ENVIRONMENTS, createModelAlias, listModelAliases, removeModelRoute } from '../../domain/routing.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';
import { RESERVE_OUTPUT_TOKENS_RANGE, setAliasReserveOutputTokens } from '../../money/alias-output-reserve.ts';
import type { RoutingStrategy } from '@proxystacks/shared/routing/routing-strategy';
import { updateModelAlias } from '../../domain/update-model-alias.ts';
import { RESPONSE_CACHE_TTL_RANGE, setAliasResponseCache } from '../../domain/response-cache-settings.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';

const RoutingStrategyEnum = builder.enumType('RoutingStrategy', {
  description: 'How data planes order an alias’s routes for each request; a route whose circuit breaker is open is skipped whatever the strategy.',
  values: {
    FALLBACK: { description: 'By priority, lowest first; within a priority, a weighted random order (the default).' },
    WEIGHTED: { description: 'One weighted random order over every route, priorities ignored.' },
    LEAST_LATENCY: { description: 'Fastest first by moving average: time to first token for streams, whole-answer latency otherwise; unmeasured routes are tried first.' },
    LOWEST_COST: { description: 'Cheapest first for the request’s estimated tokens under each route’s pricing rule; unpriced routes last.' },
  } as const,
});

/** The GraphQL enum value of a stored strategy, and back. */
const strategyToGraphql = (strategy: string) => strategy.toUpperCase() as 'FALLBACK' | 'WEIGHTED' | 'LEAST_LATENCY' | 'LOWEST_COST';
const strategyFromGraphql = (value: string): RoutingStrategy => value.toLowerCase() as RoutingStrategy;

builder.prismaObject('ModelAlias', {
  description: 'A model name apps send, resolved to one or more provider routes.',
  fields: (t) => ({
    id: t.exposeID('id'),
    alias: t.exposeString('alias'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    reserveOutputTokens: t.exposeInt('reserveOutputTokens', {
      nullable: true,
      description: "Output tokens a request without max_tokens reserves against budgets and token limits; null = the data plane's default.",
    }),
    routingStrategy: t.field({
      type: RoutingStrategyEnum,
      description: 'How data planes order the routes for each request.',
      select: { routingStrategy: true },
      resolve: (alias) => strategyToGraphql(alias.routingStrategy),
    }),
    responseCacheTtlSeconds: t.exposeInt('responseCacheTtlSeconds', {
      nullable: true,
      description: 'Exact-match response cache: seconds an answer is served again; null = no cache.',
    }),
    responseCacheToolStreams: t.exposeBoolean('responseCacheToolStreams', { description: 'Streamed requests with tools are cached too.' }),
    routes: t.relation('routes', {
      description: 'By priority, then heavier weight first: the order the FALLBACK strategy tries them in.',
      query: { orderBy: [{ priority: 'asc' }, { weight: 'desc' }, { createdAt: 'asc' }] },
    }),
  }),
});

builder.prismaObject('ModelRoute', {
  description: 'One deployment behind an alias: a provider and the model name sent upstream.',
  fields: (t) => ({
    id: t.exposeID('id'),
    upstreamModel: t.exposeString('upstreamModel'),
    priority: t.exposeInt('priority'),
    weight: t.exposeInt('weight'),
    provider: t.relation('provider'),
    environment: t.string({
      nullable: true,
      description: 'The environment name this route serves; null = every environment that has no routes of its own on this alias.',
      select: { environment: true },
      resolve: (route) => (route.environment === ALL_ENVIRONMENTS ? null : route.environment),
    }),
  }),
});

const ModelRouteInput = builder.inputType('ModelRouteInput', {
  fields: (t) => ({
    providerId: t.id({ required: true }),
    upstreamModel: t.string({ required: true }),
    priority: t.int({ description: 'Lower runs first (0–1000); default 0.' }),
    weight: t.int({ description: 'Share among routes of equal priority (1–1000); default 1.' }),
    environment: t.string({ description: 'Serve only this environment (a lower-case slug such as `staging`); omit or null for every environment without routes of its own.' }),
  }),
});

const CreateModelAliasInput = builder.inputType('CreateModelAliasInput', {
  fields: (t) => ({
    alias: t.string({ required: true }),
    routes: t.field({ type: [ModelRouteInput], required: true }),
    routingStrategy: t.field({ type: RoutingStrategyEnum, description: 'Default FALLBACK.' }),
  }),
});

builder.queryFields((t) => ({
  modelAliases: t.prismaField({
    authScopes: { anyTeam: 'config:read' },
    type: ['ModelAlias'],
    description: 'Model aliases of your organization, by alias.',
    args: { first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }), after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }) },
    resolve: (query, _root, args, ctx) => listModelAliases(ctx.prisma, ctx.principal.orgId, checkListPage(args.first, args.after === null || args.after === undefined ? null : String(args.after)), query),
  }),
}));

builder.mutationFields((t) => ({
  createModelAlias: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'ModelAlias',
    args: { input: t.arg({ type: CreateModelAliasInput, required: true }) },
    resolve: async (_query, _root, { input }, ctx, info) => {
      const alias = await createModelAlias(
        ctx.prisma,
        ctx.principal.orgId,
        {
          alias: input.alias,
          routes: input.routes.map((route) => ({ ...route, providerId: String(route.providerId) })),
          routingStrategy: input.routingStrategy ? strategyFromGraphql(input.routingStrategy) : null,
        },
        auditOf(ctx, info),
      );
      await ctx.deps.onConfigChanged();
      return alias;
    },
  }),
  addModelRoute: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'ModelAlias',
    description: 'Adds a deployment (e.g. a fallback) to an alias; returns the alias.',
    args: { aliasId: t.arg.id({ required: true }), input: t.arg({ type: ModelRouteInput, required: true }) },
    resolve: async (query, _root, { aliasId, input }, ctx, info) => {
      const route = await addModelRoute(ctx.prisma, ctx.principal.orgId, String(aliasId), { ...input, providerId: String(input.providerId) }, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return ctx.prisma.modelAlias.findUniqueOrThrow({ ...query, where: { id: route.aliasId } });
    },
  }),
  removeModelRoute: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'ModelAlias',
    description: 'Removes a deployment from its alias (not the last one); returns the alias.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_query, _root, { id }, ctx, info) => {
      const alias = await removeModelRoute(ctx.prisma, ctx.principal.orgId, String(id), auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return alias;
    },
  }),
  setAliasRoutingStrategy: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'ModelAlias',
    description: 'Sets how data planes order this alias’s routes for each request.',
    args: { aliasId: t.arg.id({ required: true }), routingStrategy: t.arg({ type: RoutingStrategyEnum, required: true }) },
    resolve: async (query, _root, args, ctx, info) => {
      await updateModelAlias(ctx.prisma, ctx.principal.orgId, String(args.aliasId), { routingStrategy: strategyFromGraphql(args.routingStrategy) }, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return ctx.prisma.modelAlias.findUniqueOrThrow({ ...query, where: { id: String(args.aliasId) } });
    },
  }),
  setAliasReserveOutputTokens: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'ModelAlias',
    description: `Sets the output tokens a request to this alias without max_tokens reserves (${RESERVE_OUTPUT_TOKENS_RANGE.min}–${RESERVE_OUTPUT_TOKENS_RANGE.max}); null = the data plane's default.`,
    args: { aliasId: t.arg.id({ required: true }), reserveOutputTokens: t.arg.int() },
    resolve: async (query, _root, args, ctx, info) => {
      await setAliasReserveOutputTokens(ctx.prisma, ctx.principal.orgId, String(args.aliasId), args.reserveOutputTokens ?? null, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return ctx.prisma.modelAlias.findUniqueOrThrow({ ...query, where: { id: String(args.aliasId) } });
    },
  }),
  setAliasResponseCache: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'ModelAlias',
    description: `Turns this alias's exact-match response cache on (ttlSeconds ${RESPONSE_CACHE_TTL_RANGE.min}–${RESPONSE_CACHE_TTL_RANGE.max}) or off (null); streamed requests with tools are cached only with cacheToolStreams.`,
    args: { aliasId: t.arg.id({ required: true }), ttlSeconds: t.arg.int(), cacheToolStreams: t.arg.boolean({ description: 'Default false.' }) },
    resolve: async (query, _root, args, ctx, info) => {
      const settings = { ttlSeconds: args.ttlSeconds ?? null, cacheToolStreams: args.cacheToolStreams ?? false };
      await setAliasResponseCache(ctx.prisma, ctx.principal.orgId, String(args.aliasId), settings, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return ctx.prisma.modelAlias.findUniqueOrThrow({ ...query, where: { id: String(args.aliasId) } });
    },
  }),
}));
