import type { SetupLink, User } from '../../generated/prisma/client.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { InputError } from '../../domain/input-error.ts';
import { setupUrl } from '../../domain/setup-links.ts';
import { createSetupLinkFor, createUser, disableUser, enableUser, grantRole, listUsers, revokeRole, signOutEverywhere } from '../../domain/users.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { RoleEnum } from './enums.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';

builder.prismaObject('RoleGrant', {
  name: 'UserGrant',
  description: 'A role a user holds on the organization (team null) or on one team.',
  fields: (t) => ({
    id: t.exposeID('id'),
    role: t.expose('role', { type: RoleEnum }),
    team: t.relation('team', { nullable: true, description: 'null = the whole organization.' }),
  }),
});

const UserRef = builder.prismaObject('User', {
  description: 'A person who signs in to the console with email and password. Never shows the password or its hash.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastSignInAt: t.expose('lastSignInAt', { type: 'DateTime', nullable: true }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true, description: 'Set while the user is disabled: sign-in refused, sessions ended.' }),
    lockedUntil: t.expose('lockedUntil', { type: 'DateTime', nullable: true, description: 'After repeated failed sign-ins, sign-in is refused until then.' }),
    hasPassword: t.boolean({ description: 'False until the user has used their set-up link.', select: { passwordHash: true }, resolve: (user) => user.passwordHash !== null }),
    grants: t.relation('roleGrants', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
  }),
});

const CreatedUserRef = builder.objectRef<{ user: User; setupToken: string; setupLink: SetupLink; consoleOrigin: string }>('CreatedUser').implement({
  description: 'A new user and their one-time set-up link: shown this once (only its hash is stored). Hand it over yourself; there is no mail server.',
  fields: (t) => ({
    user: t.field({ type: UserRef, resolve: (created) => created.user }),
    setupUrl: t.string({ resolve: (created) => setupUrl(created.consoleOrigin, created.setupToken) }),
    setupExpiresAt: t.field({ type: 'DateTime', resolve: (created) => created.setupLink.expiresAt }),
  }),
});

const SetupLinkInfoRef = builder.objectRef<{ token: string; link: SetupLink; consoleOrigin: string }>('SetupLinkInfo').implement({
  description: 'A one-time set-up link (shown this once); earlier unused links of the user stop working.',
  fields: (t) => ({
    setupUrl: t.string({ resolve: (info) => setupUrl(info.consoleOrigin, info.token) }),
    expiresAt: t.field({ type: 'DateTime', resolve: (info) => info.link.expiresAt }),
  }),
});

const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    name: t.string({ required: true }),
    role: t.field({ type: RoleEnum, required: true }),
    teamId: t.id({ description: 'Grant the role on this team only; omit for the whole organization.' }),
  }),
});

const GrantRoleInput = builder.inputType('GrantRoleInput', {
  fields: (t) => ({
    userId: t.id({ required: true }),
    role: t.field({ type: RoleEnum, required: true }),
    teamId: t.id({ description: 'Omit for the whole organization. A user holds one role per scope: granting again changes it.' }),
  }),
});

const idOrNull = (value: string | number | null | undefined) => (value === null || value === undefined ? null : String(value));
const consoleOriginOf = (ctx: GraphQLContext) => ctx.origin.consoleOrigin ?? ctx.deps.auth?.publicUrl ?? '';

builder.queryFields((t) => ({
  users: t.prismaField({
    type: ['User'],
    description: 'Users of your organization, by email.',
    authScopes: { org: 'members:manage' },
    args: { first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }), after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }) },
    resolve: (query, _root, args, ctx) => listUsers(ctx.prisma, ctx.principal.orgId, checkListPage(args.first, idOrNull(args.after)), query),
  }),
}));

builder.mutationFields((t) => ({
  createUser: t.field({
    type: CreatedUserRef,
    description: 'Creates a user with one role and returns their one-time set-up link (valid 7 days).',
    authScopes: { org: 'members:manage' },
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    resolve: async (_root, { input }, ctx, info) => {
      const created = await createUser(ctx.prisma, ctx.principal.orgId, { ...input, teamId: idOrNull(input.teamId) }, ctx.deps.keySecret, auditOf(ctx, info));
      return { ...created, consoleOrigin: consoleOriginOf(ctx) };
    },
  }),
  createSetupLink: t.field({
    type: SetupLinkInfoRef,
    description: 'A new set-up link for a user (lost link, or password reset); their earlier unused links stop working.',
    authScopes: { org: 'members:manage' },
    args: { userId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx, info) => ({
      ...(await createSetupLinkFor(ctx.prisma, ctx.principal.orgId, String(args.userId), ctx.deps.keySecret, auditOf(ctx, info))),
      consoleOrigin: consoleOriginOf(ctx),
    }),
  }),
  grantRole: t.prismaField({
    type: 'User',
    description: 'Grants a role on the organization or a team (changing the role the user holds there, if any).',
    authScopes: { org: 'members:manage' },
    args: { input: t.arg({ type: GrantRoleInput, required: true }) },
    resolve: (_query, _root, { input }, ctx, info) =>
      grantRole(ctx.prisma, ctx.principal.orgId, { userId: String(input.userId), role: input.role, teamId: idOrNull(input.teamId) }, auditOf(ctx, info)),
  }),
  revokeRole: t.prismaField({
    type: 'User',
    description: 'Removes a role grant. The organization’s last owner cannot lose it.',
    authScopes: { org: 'members:manage' },
    args: { grantId: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, ctx, info) => revokeRole(ctx.prisma, ctx.principal.orgId, String(args.grantId), auditOf(ctx, info)),
  }),
  disableUser: t.prismaField({
    type: 'User',
    description: 'Disables a user: their sessions end now and sign-in is refused until enableUser.',
    authScopes: { org: 'members:manage' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, ctx, info) => disableUser(ctx.prisma, ctx.principal.orgId, String(args.id), auditOf(ctx, info)),
  }),
  enableUser: t.prismaField({
    type: 'User',
    description: 'Enables a disabled user again: they sign in with their password (idempotent).',
    authScopes: { org: 'members:manage' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, ctx, info) => enableUser(ctx.prisma, ctx.principal.orgId, String(args.id), auditOf(ctx, info)),
  }),
  signOutEverywhere: t.int({
    description: 'Ends every console session of a user (yourself when userId is omitted); answers how many ended.',
    // Your own sessions: any signed-in user. Someone else's: members:manage on the organization.
    authScopes: (_root, args, ctx) =>
      args.userId === null || args.userId === undefined || (ctx.principal.kind === 'user' && String(args.userId) === ctx.principal.id) ? true : { org: 'members:manage' },
    args: { userId: t.arg.id() },
    resolve: (_root, args, ctx, info) => {
      const userId = idOrNull(args.userId) ?? (ctx.principal.kind === 'user' ? ctx.principal.id : null);
      if (userId === null) throw new InputError('An API token has no console sessions: name the user whose sessions to end with userId.', 'BAD_USER_INPUT', 'userId');
      return signOutEverywhere(ctx.prisma, ctx.principal.orgId, userId, auditOf(ctx, info));
    },
  }),
}));
