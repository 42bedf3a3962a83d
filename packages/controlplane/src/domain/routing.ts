import { DEFAULT_ROUTING_STRATEGY, ROUTING_STRATEGIES, type RoutingStrategy } from '@proxystacks/shared/routing/routing-strategy';
import { z } from 'zod';
import type { ModelAlias, ModelRoute, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { InputError, parseInput, rejectDuplicate } from './input-error.ts';
import { environmentNameSchema, idSchema, isUuid, modelNameSchema } from './input-schemas.ts';
import { inTransaction } from './transaction.ts';
import { afterNotInList, prismaPage, type ListPage } from './list-page.ts';

/** One deployment behind an alias. */
export interface ModelRouteInput {
  providerId: string;
  upstreamModel: string;
  /** Lower runs first; default 0. */
  priority?: number | null;
  /** Traffic share among routes of equal priority; default 1. */
  weight?: number | null;
  /** The environment name this route serves (`staging`); null or absent = every environment without routes of its own. */
  environment?: string | null;
}

/** How "every environment" is stored in model_route.environment (the unique index needs a value, not NULL). */
export const ALL_ENVIRONMENTS = '';

const routeSchema = z.object({
  providerId: idSchema,
  upstreamModel: modelNameSchema,
  priority: z.int('must be an integer').min(0, 'must not be negative').max(1000, 'must be at most 1000').nullish(),
  weight: z.int('must be an integer').min(1, 'must be at least 1').max(1000, 'must be at most 1000').nullish(),
  environment: environmentNameSchema.nullish(),
});

/** Deployments one alias may list (fallbacks and weighted splits need a handful, not hundreds). */
const MAX_ROUTES_PER_ALIAS = 20;

const createAliasSchema = z.object({
  alias: modelNameSchema,
  routingStrategy: z.enum(ROUTING_STRATEGIES).nullish().transform((strategy) => strategy ?? DEFAULT_ROUTING_STRATEGY),
  routes: z.array(routeSchema).min(1, 'needs at least one route').max(MAX_ROUTES_PER_ALIAS, `may have at most ${MAX_ROUTES_PER_ALIAS} routes`),
});

/** Creates an alias apps can send as `model`, with its routes, in one transaction. */
export async function createModelAlias(
  prisma: PrismaClient,
  orgId: string,
  input: { alias: string; routes: ModelRouteInput[]; routingStrategy?: RoutingStrategy | null },
  audit: AuditContext,
): Promise<ModelAlias> {
  const parsed = parseInput(createAliasSchema, input);
  return rejectDuplicate(
    () =>
      inTransaction(prisma, async (tx) => {
        await assertProvidersInOrg(tx, orgId, parsed.routes.map((r) => r.providerId));
        const alias = await tx.modelAlias.create({ data: { orgId, alias: parsed.alias, routingStrategy: parsed.routingStrategy } });
        await tx.modelRoute.createMany({ data: parsed.routes.map((route) => routeData(alias.id, route)) });
        const routes = await tx.modelRoute.findMany({ where: { aliasId: alias.id }, orderBy: [{ priority: 'asc' }, { id: 'asc' }] });
        await writeAudit(tx, audit, { objectType: 'ModelAlias', objectId: alias.id, before: null, after: { ...alias, routes } });
        await bumpConfigRevision(tx);
        return alias;
      }),
    `The alias "${parsed.alias}" already exists, or lists the same provider and upstream model twice for one environment.`,
    'alias',
  );
}

/** Adds a route to an existing alias of `orgId`. */
export async function addModelRoute(
  prisma: PrismaClient,
  orgId: string,
  aliasId: string,
  input: ModelRouteInput,
  audit: AuditContext,
): Promise<ModelRoute> {
  const route = parseInput(routeSchema, input);
  return rejectDuplicate(
    () =>
      inTransaction(prisma, async (tx) => {
        const alias = isUuid(aliasId) ? await tx.modelAlias.findFirst({ where: { id: aliasId, orgId } }) : null;
        if (!alias) throw new InputError('No model alias with this id in your organization.', 'NOT_FOUND', 'aliasId');
        await assertProvidersInOrg(tx, orgId, [route.providerId]);
        // The same cap as createModelAlias, so an alias's `routes` list stays bounded.
        if ((await tx.modelRoute.count({ where: { aliasId: alias.id } })) >= MAX_ROUTES_PER_ALIAS) {
          throw new InputError(`An alias may have at most ${MAX_ROUTES_PER_ALIAS} routes.`, 'BAD_USER_INPUT', 'aliasId');
        }
        const created = await tx.modelRoute.create({ data: routeData(alias.id, route) });
        await writeAudit(tx, audit, { objectType: 'ModelRoute', objectId: created.id, before: null, after: created });
        await bumpConfigRevision(tx);
        return created;
      }),
    'This alias already routes to that provider and upstream model in that environment.',
    'upstreamModel',
  );
}

/**
 * Removes one route from its alias. The last route cannot go: an alias without routes would
 * answer every request with model_not_found, which should be a deliberate act, not a side
 * effect. Returns the alias.
 */
export async function removeModelRoute(prisma: PrismaClient, orgId: string, routeId: string, audit: AuditContext): Promise<ModelAlias> {
  return inTransaction(prisma, async (tx) => {
    const route = isUuid(routeId) ? await tx.modelRoute.findFirst({ where: { id: routeId, alias: { orgId } }, include: { alias: true } }) : null;
    if (!route) throw new InputError('No model route with this id in your organization.', 'NOT_FOUND', 'id');
    const remaining = await tx.modelRoute.count({ where: { aliasId: route.aliasId } });
    if (remaining <= 1) {
      throw new InputError(`This is the last route of "${route.alias.alias}"; an alias needs at least one.`, 'BAD_USER_INPUT', 'id');
    }
    const { alias, ...removed } = route;
    await tx.modelRoute.delete({ where: { id: route.id } });
    await writeAudit(tx, audit, { objectType: 'ModelRoute', objectId: route.id, before: removed, after: null });
    await bumpConfigRevision(tx);
    return alias;
  });
}

/** Aliases of `orgId`, by alias. `query` is Pothos' include/select. */
export async function listModelAliases(
  prisma: PrismaClient,
  orgId: string,
  page: ListPage,
  query: { include?: Prisma.ModelAliasInclude; select?: Prisma.ModelAliasSelect } = {},
): Promise<ModelAlias[]> {
  if (page.after !== null && (await prisma.modelAlias.count({ where: { orgId, id: page.after } })) === 0) throw afterNotInList();
  return prisma.modelAlias.findMany({
    ...query,
    where: { orgId },
    orderBy: [{ alias: 'asc' }, { id: 'asc' }],
    ...prismaPage(page),
  } as Prisma.ModelAliasFindManyArgs);
}

function routeData(aliasId: string, route: z.output<typeof routeSchema>): Prisma.ModelRouteCreateManyInput {
  return {
    aliasId,
    providerId: route.providerId,
    upstreamModel: route.upstreamModel,
    priority: route.priority ?? 0,
    weight: route.weight ?? 1,
    environment: route.environment ?? ALL_ENVIRONMENTS,
  };
}

async function assertProvidersInOrg(tx: Prisma.TransactionClient, orgId: string, providerIds: string[]): Promise<void> {
  const wanted = [...new Set(providerIds)];
  const found = await tx.provider.count({ where: { orgId, id: { in: wanted } } });
  if (found !== wanted.length) {
    throw new InputError('A route names a provider that is not in your organization.', 'NOT_FOUND', 'providerId');
  }
}
