import { listDeploymentHealth, watchDeploymentHealth, type DeploymentHealthFilter, type DeploymentHealthRow } from '../../health/deployment-health-query.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';

const DeploymentStateEnum = builder.enumType('DeploymentState', {
  description: "A deployment's health as the data planes see it.",
  values: {
    ONLINE: { value: 'online', description: 'Healthy and taking its share of traffic as a primary.' },
    STANDBY: { value: 'standby', description: 'Healthy, but not primary: a fallback not being used right now.' },
    DEGRADED: { value: 'degraded', description: 'Answering, with a recent error rate above the warning threshold or a breaker probing (half-open).' },
    DOWN: { value: 'down', description: 'Its circuit breaker is open: requests skip it until `reopensAt`.' },
  } as const,
});

const BreakerStateEnum = builder.enumType('BreakerState', {
  values: {
    CLOSED: { value: 'closed', description: 'Requests flow.' },
    OPEN: { value: 'open', description: 'Tripped: requests skip the deployment.' },
    HALF_OPEN: { value: 'half_open', description: 'Letting probe requests through to see whether it recovered.' },
  } as const,
});

const DeploymentHealthRef = builder.objectRef<DeploymentHealthRow>('DeploymentHealth').implement({
  description:
    'One deployment (a provider and upstream model behind an alias) with the health every live data plane reports for it, merged: the worst state, summed counts, latency weighted by attempts. The health fields are null when no live data plane reports the deployment: unknown, not healthy.',
  fields: (t) => ({
    deploymentId: t.exposeID('deploymentId', { description: "The route's id (`ModelRoute.id`)." }),
    aliasId: t.exposeID('aliasId'),
    alias: t.exposeString('alias'),
    providerId: t.exposeID('providerId'),
    providerName: t.exposeString('providerName'),
    upstreamModel: t.exposeString('upstreamModel'),
    environment: t.exposeString('environment', { nullable: true, description: 'null = every environment without routes of its own.' }),
    state: t.field({ type: DeploymentStateEnum, nullable: true, description: 'null = no live data plane reports it.', resolve: (row) => row.health?.state ?? null }),
    breaker: t.field({ type: BreakerStateEnum, nullable: true, resolve: (row) => row.health?.breaker ?? null }),
    recentAttempts: t.field({ type: 'Count', nullable: true, description: 'Attempts in the data planes\' recent windows, all instances together.', resolve: (row) => row.health?.recentAttempts ?? null }),
    recentFailures: t.field({ type: 'Count', nullable: true, resolve: (row) => row.health?.recentFailures ?? null }),
    errorRatePpm: t.int({ nullable: true, description: 'recentFailures ÷ recentAttempts in parts per million (0 with no attempts).', resolve: (row) => row.health?.errorRatePpm ?? null }),
    errorRatePercent: t.float({ nullable: true, description: 'The same rate as a percentage, for display (e.g. 12.5).', resolve: (row) => (row.health === undefined ? null : row.health.errorRatePpm / 10_000) }),
    consecutiveFailures: t.int({ nullable: true, description: 'The longest current failure streak of any instance.', resolve: (row) => row.health?.consecutiveFailures ?? null }),
    latencyAvgMs: t.float({ nullable: true, description: 'Moving average of whole-attempt latency; null before the first answer.', resolve: (row) => row.health?.latencyAvgMs ?? null }),
    ttftAvgMs: t.float({ nullable: true, description: 'Moving average of time to first token on streams; null before the first stream.', resolve: (row) => row.health?.ttftAvgMs ?? null }),
    lastErrorCode: t.string({ nullable: true, description: "The latest failure's error code; null when none.", resolve: (row) => (row.health?.lastErrorCode ? row.health.lastErrorCode : null) }),
    reopensAt: t.field({ type: 'DateTime', nullable: true, description: 'When an open breaker next lets a probe through (the earliest of any instance).', resolve: (row) => msToDate(row.health?.reopensAtMs) }),
    observedAt: t.field({ type: 'DateTime', nullable: true, description: "The latest data plane observation's time.", resolve: (row) => msToDate(row.health?.observedAtMs) }),
    instanceCount: t.int({ description: 'Live data plane instances reporting it (0 = unknown).', resolve: (row) => row.health?.instanceCount ?? 0 }),
  }),
});

function msToDate(ms: number | null | undefined): Date | null {
  return ms === null || ms === undefined ? null : new Date(ms);
}

const filterArgs = builder.args((t) => ({
  aliasId: t.id({ description: 'Only the deployments of this alias.' }),
  providerId: t.id({ description: 'Only the deployments on this provider.' }),
}));

function filterOf(args: { aliasId?: string | number | null; providerId?: string | number | null }): DeploymentHealthFilter {
  return { aliasId: args.aliasId == null ? null : String(args.aliasId), providerId: args.providerId == null ? null : String(args.providerId) };
}

function load(ctx: GraphQLContext, filter: DeploymentHealthFilter): Promise<DeploymentHealthRow[]> {
  return listDeploymentHealth(ctx.prisma, ctx.principal.orgId, filter, ctx.deps.deploymentHealth);
}

builder.queryFields((t) => ({
  deploymentHealth: t.field({
    authScopes: { anyTeam: 'config:read' },
    type: [DeploymentHealthRef],
    description: "Your organization's deployments with their health, by alias, in the order the data plane tries them.",
    args: filterArgs,
    resolve: (_root, args, ctx) => load(ctx, filterOf(args)),
  }),
}));

builder.subscriptionFields((t) => ({
  deploymentHealthChanged: t.field({
    authScopes: { anyTeam: 'config:read' },
    type: [DeploymentHealthRef],
    description: 'The same list as `deploymentHealth`: at once, then again whenever one of its states changes (over SSE: `Accept: text/event-stream`).',
    args: filterArgs,
    subscribe: (_root, args, ctx) => watchDeploymentHealth(ctx.deps.deploymentHealth, () => load(ctx, filterOf(args))),
    resolve: (rows) => rows,
  }),
}));
