import type { ApiKey } from '../../generated/prisma/client.ts';
import { createKey, listKeys } from '../../domain/keys.ts';
import { disableKey, enableKey, MAX_ROTATION_GRACE_SECONDS, revokeKey, rotateKey } from '../../domain/key-lifecycle.ts';
import { labelsOf, type KeyLabelPair } from '../../domain/key-settings.ts';
import { updateKey } from '../../domain/key-update.ts';
import { setKeyResponseCache } from '../../domain/response-cache-settings.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';
import { objectTeam } from '../../auth/object-team.ts';
import { teamsWith } from '../../auth/roles.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { ApiKeyStatusEnum } from './enums.ts';

const KeyLabelRef = builder.objectRef<KeyLabelPair>('KeyLabel').implement({
  description: "A string key/value label for the customer's own bookkeeping.",
  fields: (t) => ({ key: t.exposeString('key'), value: t.exposeString('value') }),
});

const KeyLabelInput = builder.inputType('KeyLabelInput', {
  description: 'Key: 1–64 characters of A–Z a–z 0–9 _ . -, unique per key; value: at most 256 characters.',
  fields: (t) => ({ key: t.string({ required: true }), value: t.string({ required: true }) }),
});

/** An API key as admins see it: never its hash, and its secret only once, in CreatedKey. */
const ApiKeyRef = builder.prismaObject('ApiKey', {
  description: 'An API key apps send as `Authorization: Bearer sk-relay-…`. It belongs to one project environment.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'First characters of the secret, to recognise the key.' }),
    status: t.expose('status', { type: ApiKeyStatusEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'After this instant the key is refused as expired; null = never.' }),
    team: t.relation('team'),
    project: t.relation('project'),
    environment: t.relation('environment'),
    allowedAliases: t.exposeStringList('allowedAliases', { description: 'Aliases the key may call; empty = every alias.' }),
    responseCacheTtlSeconds: t.exposeInt('responseCacheTtlSeconds', {
      nullable: true,
      description: 'Response cache: null = the alias’s setting; 0 = never cache this key’s requests; > 0 = cache them this many seconds, private to the key.',
    }),
    labels: t.field({ type: [KeyLabelRef], description: 'By key.', resolve: (key) => labelsOf(key.labels) }),
    createdBy: t.string({
      nullable: true,
      description: 'Email of the user or name of the API token that created the key; null for keys made by bootstrap or migration.',
      select: { createdByUser: { select: { email: true } }, createdByToken: { select: { name: true } } },
      resolve: (key) => key.createdByUser?.email ?? key.createdByToken?.name ?? null,
    }),
    rotatedAt: t.expose('rotatedAt', { type: 'DateTime', nullable: true }),
    previousPrefix: t.exposeString('previousPrefix', { nullable: true, description: 'Prefix of the secret replaced by the last rotation.' }),
    previousSecretExpiresAt: t.expose('previousHashExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Until when the secret replaced by the last rotation still works.',
    }),
  }),
});

const CreatedKeyRef = builder.objectRef<{ secret: string; key: ApiKey }>('CreatedKey').implement({
  description: 'A new key, or a key with a new secret. `secret` is shown this once; only its hash is stored.',
  fields: (t) => ({
    secret: t.exposeString('secret'),
    key: t.field({ type: ApiKeyRef, resolve: (created) => created.key }),
  }),
});

const CreateKeyInput = builder.inputType('CreateKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    environmentId: t.id({ description: 'The project environment the key belongs to (wins over teamId).' }),
    teamId: t.id({ description: "Without environmentId: the team whose default project's production environment gets the key; the default team when omitted." }),
    expiresAt: t.field({ type: 'DateTime', description: 'Must be in the future; omit for a key that never expires.' }),
    allowedAliases: t.stringList({ description: 'Existing aliases the key may call; omit or [] for all.' }),
    labels: t.field({ type: [KeyLabelInput], description: 'At most 32.' }),
  }),
});

const UpdateKeyInput = builder.inputType('UpdateKeyInput', {
  description: 'Omitted fields stay as they are; allowedAliases and labels replace the whole list.',
  fields: (t) => ({
    name: t.string(),
    expiresAt: t.field({ type: 'DateTime', description: 'A new expiry, in the future.' }),
    clearExpiry: t.boolean({ description: 'true: the key never expires (not with expiresAt).' }),
    allowedAliases: t.stringList({ description: '[] = every alias.' }),
    labels: t.field({ type: [KeyLabelInput], description: '[] removes all labels.' }),
  }),
});

/** The optional ID argument as a string, or null. */
function idArg(value: string | number | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** authScopes of a field that changes one key: config:write on the key's team. */
const onKeysTeam = async (_root: unknown, args: { id: string | number }, ctx: GraphQLContext) => ({
  team: { permission: 'config:write' as const, teamId: await objectTeam.key(ctx.prisma, ctx.principal.orgId, String(args.id)) },
});

builder.queryFields((t) => ({
  keys: t.prismaField({
    authScopes: { anyTeam: 'config:read' },
    type: ['ApiKey'],
    description: 'Keys of the teams you may see, newest first, optionally narrowed by status, team, project or environment.',
    args: {
      status: t.arg({ type: ApiKeyStatusEnum }),
      teamId: t.arg.id(),
      projectId: t.arg.id(),
      environmentId: t.arg.id(),
      first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }),
      after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }),
    },
    resolve: (query, _root, args, ctx) =>
      listKeys(
        ctx.prisma,
        {
          orgId: ctx.principal.orgId,
          visible: teamsWith(ctx.principal, 'config:read'),
          status: args.status ?? null,
          teamId: idArg(args.teamId),
          projectId: idArg(args.projectId),
          environmentId: idArg(args.environmentId),
        },
        checkListPage(args.first, idArg(args.after)),
        query,
      ),
  }),
}));

builder.mutationFields((t) => ({
  createKey: t.field({
    // The key's team: the environment's when one is named, else the team named; neither = the
    // default team, which only an organization grant may file keys under.
    authScopes: async (_root, { input }, ctx) => ({
      team: {
        permission: 'config:write',
        teamId: input.environmentId
          ? await objectTeam.environment(ctx.prisma, ctx.principal.orgId, String(input.environmentId))
          : input.teamId
            ? await objectTeam.team(ctx.prisma, ctx.principal.orgId, String(input.teamId))
            : null,
      },
    }),
    type: CreatedKeyRef,
    args: { input: t.arg({ type: CreateKeyInput, required: true }) },
    resolve: async (_root, { input }, ctx, info) => {
      const created = await createKey(
        ctx.prisma,
        ctx.principal.orgId,
        { ...input, environmentId: idArg(input.environmentId), teamId: idArg(input.teamId) },
        ctx.deps.keySecret,
        auditOf(ctx, info),
      );
      await ctx.deps.onConfigChanged();
      return created;
    },
  }),
  updateKey: t.prismaField({
    authScopes: onKeysTeam,
    type: 'ApiKey',
    description: "Changes a key's name, expiry, alias allow-list or labels.",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateKeyInput, required: true }) },
    resolve: async (_query, _root, { id, input }, ctx, info) => {
      const { key, changed } = await updateKey(ctx.prisma, ctx.principal.orgId, String(id), input, auditOf(ctx, info));
      if (changed) await ctx.deps.onConfigChanged();
      return key;
    },
  }),
  setKeyResponseCache: t.prismaField({
    authScopes: onKeysTeam,
    type: 'ApiKey',
    description: 'Opts a key in or out of response caching: null = its aliases’ setting; 0 = never; 1–604800 = cache its requests that many seconds, private to the key.',
    args: { id: t.arg.id({ required: true }), ttlSeconds: t.arg.int() },
    resolve: async (_query, _root, { id, ttlSeconds }, ctx, info) => {
      const { key, changed } = await setKeyResponseCache(ctx.prisma, ctx.principal.orgId, String(id), ttlSeconds ?? null, auditOf(ctx, info));
      if (changed) await ctx.deps.onConfigChanged();
      return key;
    },
  }),
  revokeKey: t.prismaField({
    authScopes: onKeysTeam,
    type: 'ApiKey',
    description: 'Revokes a key for good (idempotent). Data planes refuse it from their next snapshot on.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_query, _root, args, ctx, info) => {
      const { key, changed } = await revokeKey(ctx.prisma, ctx.principal.orgId, String(args.id), auditOf(ctx, info));
      if (changed) await ctx.deps.onConfigChanged();
      return key;
    },
  }),
  disableKey: t.prismaField({
    authScopes: onKeysTeam,
    type: 'ApiKey',
    description: 'Suspends a key until enableKey (idempotent). A revoked key cannot be disabled.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_query, _root, args, ctx, info) => {
      const { key, changed } = await disableKey(ctx.prisma, ctx.principal.orgId, String(args.id), auditOf(ctx, info));
      if (changed) await ctx.deps.onConfigChanged();
      return key;
    },
  }),
  enableKey: t.prismaField({
    authScopes: onKeysTeam,
    type: 'ApiKey',
    description: 'Re-activates a disabled key (idempotent). A revoked key can never be enabled.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_query, _root, args, ctx, info) => {
      const { key, changed } = await enableKey(ctx.prisma, ctx.principal.orgId, String(args.id), auditOf(ctx, info));
      if (changed) await ctx.deps.onConfigChanged();
      return key;
    },
  }),
  rotateKey: t.field({
    authScopes: onKeysTeam,
    type: CreatedKeyRef,
    description: `Gives a key a new secret (shown this once); the old one keeps working for gracePeriodSeconds (0–${MAX_ROTATION_GRACE_SECONDS}, 0 = stops at once).`,
    args: { id: t.arg.id({ required: true }), gracePeriodSeconds: t.arg.int({ required: true }) },
    resolve: async (_root, args, ctx, info) => {
      const rotated = await rotateKey(ctx.prisma, ctx.principal.orgId, String(args.id), args.gracePeriodSeconds, ctx.deps.keySecret, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return rotated;
    },
  }),
}));
