import { Repeater } from 'graphql-yoga';
import { isUuid } from '../domain/input-schemas.ts';
import { ALL_ENVIRONMENTS } from '../domain/routing.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { DeploymentHealthStore } from './deployment-health-store.ts';
import type { MergedDeploymentHealth } from './merge-deployment-health.ts';

/** One deployment of an organisation (a route behind an alias) with what the data planes say about it. */
export interface DeploymentHealthRow {
  deploymentId: string;
  aliasId: string;
  alias: string;
  providerId: string;
  providerName: string;
  upstreamModel: string;
  /** The environment the route serves; null = every environment without routes of its own. */
  environment: string | null;
  /** Undefined when no live data plane reports it: unknown, never assumed healthy. */
  health: MergedDeploymentHealth | undefined;
}

/** Narrows the deployments listed; a malformed id matches nothing. */
export interface DeploymentHealthFilter {
  aliasId: string | null;
  providerId: string | null;
}

/**
 * The organisation's deployments, in the order the routing page lists them (alias, then the
 * order the data plane tries them), each joined with its merged health. Scoped by the routes
 * in the organisation's own database rows: a report about another tenant's deployment is never
 * reachable from here.
 */
export async function listDeploymentHealth(prisma: PrismaClient, orgId: string, filter: DeploymentHealthFilter, store: DeploymentHealthStore | undefined): Promise<DeploymentHealthRow[]> {
  if ((filter.aliasId !== null && !isUuid(filter.aliasId)) || (filter.providerId !== null && !isUuid(filter.providerId))) return [];
  const routes = await prisma.modelRoute.findMany({
    where: {
      alias: { orgId },
      ...(filter.aliasId === null ? {} : { aliasId: filter.aliasId }),
      ...(filter.providerId === null ? {} : { providerId: filter.providerId }),
    },
    select: { id: true, aliasId: true, providerId: true, upstreamModel: true, environment: true, alias: { select: { alias: true } }, provider: { select: { name: true } } },
    orderBy: [{ alias: { alias: 'asc' } }, { priority: 'asc' }, { weight: 'desc' }, { createdAt: 'asc' }],
    take: 10_000,
  });
  return routes.map((route) => ({
    deploymentId: route.id,
    aliasId: route.aliasId,
    alias: route.alias.alias,
    providerId: route.providerId,
    providerName: route.provider.name,
    upstreamModel: route.upstreamModel,
    environment: route.environment === ALL_ENVIRONMENTS ? null : route.environment,
    health: store?.get(route.id),
  }));
}

/**
 * The rows of `load` now, then again each time one of their states changes (a deployment going
 * down, recovering, or its last reporting instance falling silent). Store changes of other
 * tenants' deployments wake the loop but emit nothing. Loads never overlap; changes arriving
 * during one are covered by the next. Ends cleanly when the client goes away (Repeater's stop).
 */
export function watchDeploymentHealth(store: DeploymentHealthStore | undefined, load: () => Promise<DeploymentHealthRow[]>): AsyncIterable<DeploymentHealthRow[]> {
  return new Repeater<DeploymentHealthRow[]>(async (push, stop) => {
    let dirty = true;
    let wake: (() => void) | null = null;
    const unsubscribe = store?.subscribe(() => {
      dirty = true;
      wake?.();
    });
    let stopped = false;
    void stop.then(() => {
      stopped = true;
      wake?.();
    });
    let last: string | null = null;
    try {
      while (!stopped) {
        if (!dirty) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        dirty = false;
        const rows = await load();
        const states = rows.map((r) => `${r.deploymentId}=${r.health?.state ?? ''}`).join(',');
        if (states === last) continue;
        last = states;
        await push(rows);
      }
    } finally {
      unsubscribe?.();
    }
  });
}
