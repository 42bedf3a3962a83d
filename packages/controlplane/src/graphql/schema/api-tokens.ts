import type { ApiToken } from '../../generated/prisma/client.ts';
import { objectTeam } from '../../auth/object-team.ts';
import { teamsWith } from '../../auth/roles.ts';
import { createApiToken, listApiTokens, revokeApiToken } from '../../domain/api-token-admin.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';
import { RoleEnum } from './enums.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';

/** An API token as admins see it: never its hash, and the token itself only once, in CreatedApiToken. */
const ApiTokenRef = builder.prismaObject('ApiToken', {
  description: 'A token for automation (`Authorization: Bearer relay-tok-…`) with a role on the organization or on one team.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'First characters of the token, to recognise it.' }),
    role: t.expose('role', { type: RoleEnum }),
    team: t.relation('team', { nullable: true, description: 'null = the whole organization.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    createdBy: t.string({
      nullable: true,
      description: 'Email of the user who created it; null for tokens made by bootstrap or another token.',
      select: { createdByUser: { select: { email: true } } },
      resolve: (token) => token.createdByUser?.email ?? null,
    }),
  }),
});

const CreatedApiTokenRef = builder.objectRef<{ token: string; apiToken: ApiToken }>('CreatedApiToken').implement({
  description: 'A new API token. `token` is shown this once; only its hash is stored.',
  fields: (t) => ({
    token: t.exposeString('token'),
    apiToken: t.field({ type: ApiTokenRef, resolve: (created) => created.apiToken }),
  }),
});

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    role: t.field({ type: RoleEnum, required: true, description: 'At most your own role where the token applies.' }),
    teamId: t.id({ description: 'Limit the token to this team; omit for the whole organization.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'Omit for a token that works until revoked.' }),
  }),
});

builder.queryFields((t) => ({
  apiTokens: t.prismaField({
    type: ['ApiToken'],
    description: 'API tokens you may manage (organization-wide ones only with an organization grant), newest first.',
    authScopes: { anyTeam: 'tokens:manage' },
    args: { first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }), after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }) },
    resolve: (query, _root, args, ctx) =>
      listApiTokens(
        ctx.prisma,
        { orgId: ctx.principal.orgId, visible: teamsWith(ctx.principal, 'tokens:manage') },
        checkListPage(args.first, args.after === null || args.after === undefined ? null : String(args.after)),
        query,
      ),
  }),
}));

builder.mutationFields((t) => ({
  createApiToken: t.field({
    type: CreatedApiTokenRef,
    // tokens:manage where the token applies, and a role no stronger than the caller's own there.
    authScopes: async (_root, { input }, ctx) => {
      const teamId = input.teamId === null || input.teamId === undefined ? null : await objectTeam.team(ctx.prisma, ctx.principal.orgId, String(input.teamId));
      const scope = input.teamId === null || input.teamId === undefined ? null : teamId;
      return { $all: { team: { permission: 'tokens:manage', teamId: scope }, grantRole: { role: input.role, teamId: scope } } };
    },
    args: { input: t.arg({ type: CreateApiTokenInput, required: true }) },
    resolve: (_root, { input }, ctx, info) =>
      createApiToken(
        ctx.prisma,
        ctx.principal,
        { name: input.name, role: input.role, teamId: input.teamId === null || input.teamId === undefined ? null : String(input.teamId), expiresAt: input.expiresAt ?? null },
        ctx.deps.keySecret,
        auditOf(ctx, info),
      ),
  }),
  revokeApiToken: t.prismaField({
    type: 'ApiToken',
    description: 'Revokes an API token (idempotent); it is refused from the next request on. The bootstrap admin token is retired this way.',
    authScopes: async (_root, args, ctx) => ({ team: { permission: 'tokens:manage', teamId: await objectTeam.apiToken(ctx.prisma, ctx.principal.orgId, String(args.id)) } }),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, ctx, info) => revokeApiToken(ctx.prisma, ctx.principal.orgId, String(args.id), auditOf(ctx, info)),
  }),
}));
