import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type PrismaTypes from '../generated/pothos-types.ts';
import { getDatamodel } from '../generated/pothos-types.ts';
import { can, canGrantRole, canSomewhere, type Permission } from '../auth/roles.ts';
import type { Role } from '../generated/prisma/client.ts';
import { forbidden } from '../domain/input-error.ts';
import type { GraphQLContext } from './context.ts';

/**
 * Pothos configuration only; types and fields live in ./schema/*.
 *
 * Authorization is declared here and on each field, never inside resolvers: every Query and
 * Mutation field carries `authScopes` naming the permission it needs (auth/roles.ts) and where:
 * - `org`: a grant on the organization carrying the permission (providers, aliases, pricing, users).
 * - `team`: the permission on the team owning the object the field touches, resolved from its
 *   arguments by the field's authScopes function (auth/object-team.ts); an organization grant
 *   also counts. A missing object resolves to team null, which only an organization grant passes.
 * - `anyTeam`: the permission on the organization or on at least one team (lists, which then
 *   show only the teams the caller may see).
 * A refusal is `extensions.code: forbidden`, the field's value null, and nothing is changed:
 * scopes run before the resolver.
 */
export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: GraphQLContext;
  AuthScopes: {
    org: Permission;
    team: { permission: Permission; teamId: string | null };
    anyTeam: Permission;
    /** May hand out `role` on `teamId` (null = the organization): never above the caller's own role there. */
    grantRole: { role: Role; teamId: string | null };
  };
  /** Output fields are non-null unless they say `nullable: true`, as the API contract reads. */
  DefaultFieldNullability: false;
  Scalars: {
    /** ISO-8601 instant. */
    DateTime: { Input: Date; Output: Date | string };
    /** Integer micro-units as a decimal string: GraphQL Int is 32-bit and floats lose cents. */
    Micros: { Input: bigint; Output: bigint | number | string };
    /** Counts past 2^31 (tokens add up fast): a JSON number, exact up to 2^53 - 1. */
    Count: { Input: number; Output: number };
    /** Any JSON value (audit before/after snapshots), as itself, not a string. */
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  // Scope auth first, so its checks wrap every other plugin's resolvers.
  plugins: [ScopeAuthPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({
      org: (permission) => can(ctx.principal, permission, null),
      team: ({ permission, teamId }) => can(ctx.principal, permission, teamId),
      anyTeam: (permission) => canSomewhere(ctx.principal, permission),
      grantRole: ({ role, teamId }) => canGrantRole(ctx.principal, role, teamId),
    }),
    // A scope that throws (e.g. a lookup of a malformed id) refuses rather than erroring.
    treatErrorsAsUnauthorized: true,
    // Subscriptions (requestTail) are refused when they start, not left open delivering nothing.
    authorizeOnSubscribe: true,
    unauthorizedError: () => forbidden(),
  },
  prisma: {
    // Resolved per request, so one schema serves any client (tests open several databases).
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    onUnusedQuery: null,
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
