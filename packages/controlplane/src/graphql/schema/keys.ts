import type { ApiKey } from '../../generated/prisma/client.ts';
import { createKey, listKeys, revokeKey } from '../../domain/keys.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';
import { objectTeam } from '../../auth/object-team.ts';
import { builder } from '../builder.ts';
import { ApiKeyStatusEnum } from './enums.ts';

/** An API key as admins see it: never its hash, and its secret only once, in CreatedKey. */
const ApiKeyRef = builder.prismaObject('ApiKey', {
  description: 'An API key apps send as `Authorization: Bearer sk-relay-…`.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'First characters of the secret, to recognise the key.' }),
    status: t.expose('status', { type: ApiKeyStatusEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    team: t.relation('team'),
  }),
});

const CreatedKeyRef = builder.objectRef<{ secret: string; key: ApiKey }>('CreatedKey').implement({
  description: 'A new key. `secret` is shown this once; only its hash is stored.',
  fields: (t) => ({
    secret: t.exposeString('secret'),
    key: t.field({ type: ApiKeyRef, resolve: (created) => created.key }),
  }),
});

const CreateKeyInput = builder.inputType('CreateKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    teamId: t.id({ description: 'Owning team; the default team when omitted.' }),
  }),
});

builder.queryFields((t) => ({
  keys: t.prismaField({
    authScopes: { anyTeam: 'config:read' },
    type: ['ApiKey'],
    description: 'Keys of your organization, newest first.',
    args: { status: t.arg({ type: ApiKeyStatusEnum }), first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }), after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }) },
    resolve: (query, _root, args, ctx) => listKeys(ctx.prisma, { orgId: ctx.principal.orgId, status: args.status ?? null }, checkListPage(args.first, args.after === null || args.after === undefined ? null : String(args.after)), query),
  }),
}));

builder.mutationFields((t) => ({
  createKey: t.field({
    authScopes: async (_root, { input }, ctx) => ({ team: { permission: 'config:write', teamId: input.teamId ? await objectTeam.team(ctx.prisma, ctx.principal.orgId, String(input.teamId)) : null } }),
    type: CreatedKeyRef,
    args: { input: t.arg({ type: CreateKeyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const created = await createKey(
        ctx.prisma,
        ctx.principal.orgId,
        { name: input.name, teamId: input.teamId === null || input.teamId === undefined ? null : String(input.teamId) },
        ctx.deps.keySecret,
      );
      await ctx.deps.onConfigChanged();
      return created;
    },
  }),
  revokeKey: t.prismaField({
    authScopes: async (_root, args, ctx) => ({ team: { permission: 'config:write', teamId: await objectTeam.key(ctx.prisma, ctx.principal.orgId, String(args.id)) } }),
    type: 'ApiKey',
    description: 'Revokes a key (idempotent). Data planes refuse it from their next snapshot on.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_query, _root, args, ctx) => {
      const { key, changed } = await revokeKey(ctx.prisma, ctx.principal.orgId, String(args.id));
      if (changed) await ctx.deps.onConfigChanged();
      return key;
    },
  }),
}));
