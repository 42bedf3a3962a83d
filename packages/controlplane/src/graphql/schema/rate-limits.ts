import type { RateLimit } from '../../generated/prisma/client.ts';
import { teamsWith } from '../../auth/roles.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { findScope, scopeTeam, visibleScopes } from '../../money/limit-scope.ts';
import { listRateLimits, MAX_RATE_LIMIT, rateLimitTeam, removeRateLimit, setRateLimit } from '../../money/rate-limits.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';
import { RateLimitScopeEnum } from './money-enums.ts';

const RateLimitRef = builder.objectRef<RateLimit>('RateLimit').implement({
  description: 'Requests per minute, tokens (input + output) per minute and concurrent requests of a key, team or project; null = no limit of that kind.',
  fields: (t) => ({
    id: t.exposeID('id'),
    scope: t.expose('scope', { type: RateLimitScopeEnum }),
    scopeId: t.exposeID('scopeId'),
    scopeName: t.string({
      nullable: true,
      description: "The key's, team's or project's name; null if it is gone.",
      resolve: async (limit, _args, ctx) => (await findScope(ctx.prisma, limit.orgId, limit.scope, limit.scopeId))?.name ?? null,
    }),
    requestsPerMinute: t.exposeInt('requestsPerMinute', { nullable: true }),
    tokensPerMinute: t.exposeInt('tokensPerMinute', { nullable: true }),
    concurrentRequests: t.exposeInt('concurrentRequests', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const SetRateLimitInput = builder.inputType('SetRateLimitInput', {
  description: `Each limit a whole number from 1 to ${MAX_RATE_LIMIT}, or null for none of that kind; at least one must be set. Replaces the scope's limits as a whole.`,
  fields: (t) => ({
    scope: t.field({ type: RateLimitScopeEnum, required: true }),
    scopeId: t.id({ required: true, description: "The key's, team's or project's id." }),
    requestsPerMinute: t.int(),
    tokensPerMinute: t.int({ description: 'Prompt and completion tokens together.' }),
    concurrentRequests: t.int({ description: 'Requests in flight at once (a stream counts until it ends).' }),
  }),
});

builder.queryFields((t) => ({
  rateLimits: t.field({
    authScopes: { anyTeam: 'config:read' },
    type: [RateLimitRef],
    description: 'Rate limits of the keys, teams and projects you may see, by scope; narrow with `scope` and `scopeId`.',
    args: {
      scope: t.arg({ type: RateLimitScopeEnum }),
      scopeId: t.arg.id(),
      first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }),
      after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }),
    },
    resolve: async (_root, args, ctx) =>
      listRateLimits(
        ctx.prisma,
        {
          orgId: ctx.principal.orgId,
          visible: await visibleScopes(ctx.prisma, ctx.principal.orgId, teamsWith(ctx.principal, 'config:read')),
          scope: args.scope ?? null,
          scopeId: args.scopeId === null || args.scopeId === undefined ? null : String(args.scopeId),
        },
        checkListPage(args.first, args.after === null || args.after === undefined ? null : String(args.after)),
      ),
  }),
}));

builder.mutationFields((t) => ({
  setRateLimit: t.field({
    authScopes: async (_root, { input }, ctx) => ({
      team: { permission: 'config:write', teamId: await scopeTeam(ctx.prisma, ctx.principal.orgId, input.scope, String(input.scopeId)) },
    }),
    type: RateLimitRef,
    description: 'Sets the rate limits of a key, team or project; data planes enforce them from their next snapshot.',
    args: { input: t.arg({ type: SetRateLimitInput, required: true }) },
    resolve: async (_root, { input }, ctx, info) => {
      const limit = await setRateLimit(
        ctx.prisma,
        ctx.principal.orgId,
        {
          scope: input.scope,
          scopeId: String(input.scopeId),
          requestsPerMinute: input.requestsPerMinute ?? null,
          tokensPerMinute: input.tokensPerMinute ?? null,
          concurrentRequests: input.concurrentRequests ?? null,
        },
        auditOf(ctx, info),
      );
      await ctx.deps.onConfigChanged();
      return limit;
    },
  }),
  removeRateLimit: t.field({
    authScopes: async (_root, { id }, ctx) => ({ team: { permission: 'config:write', teamId: await rateLimitTeam(ctx.prisma, ctx.principal.orgId, String(id)) } }),
    type: RateLimitRef,
    description: 'Removes a rate limit; returns it as it was.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx, info) => {
      const removed = await removeRateLimit(ctx.prisma, ctx.principal.orgId, String(id), auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return removed;
    },
  }),
}));
