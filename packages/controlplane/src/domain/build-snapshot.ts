import type { RoutingStrategy } from '@proxystacks/shared/routing/routing-strategy';
import type { SecretKey, SecretKeyring } from '@proxystacks/shared/crypto/sealed-secret';
import { createSnapshot, type ConfigSnapshot, type ProviderType } from '@proxystacks/shared/snapshot/config-snapshot';
import { sealSnapshotCredential } from '@proxystacks/shared/snapshot/snapshot-credentials';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { openProviderCredential } from './providers.ts';

export interface BuildSnapshotOptions {
  /** The config revision the snapshot is built at; becomes its version. */
  version: number;
  /** Opens provider credentials at rest (a keyring during a master key rotation). */
  masterKey: SecretKey | SecretKeyring;
  /** Seals them again for the trip to data planes (see shared/snapshot/snapshot-credentials.ts). */
  snapshotKey: SecretKey;
}

/**
 * Reads everything a data plane decides with from Postgres, in one repeatable-read
 * transaction so keys, routes and prices are from the same moment, and shapes it as a config
 * snapshot. Revoked keys stay in the snapshot (marked revoked) so the data plane can answer
 * `api_key_revoked` instead of "unknown key".
 *
 * Pricing: each route uses the newest rule for its provider and upstream model that is already
 * in effect; a route without one is unpriced (cost 0, visible as an empty pricing_rule_id).
 */
export async function buildSnapshot(prisma: PrismaClient, options: BuildSnapshotOptions): Promise<ConfigSnapshot> {
  const now = new Date();
  const [keys, providers, aliases, rules, organizations, rateLimits, budgets, fundingAccounts] = await prisma.$transaction(
    [
      prisma.apiKey.findMany({ orderBy: { id: 'asc' }, include: { environment: { select: { name: true } } } }),
      prisma.provider.findMany({ orderBy: { id: 'asc' } }),
      prisma.modelAlias.findMany({ orderBy: { alias: 'asc' }, include: { routes: { orderBy: [{ priority: 'asc' }, { id: 'asc' }] } } }),
      prisma.pricingRule.findMany({ where: { effectiveFrom: { lte: now } }, orderBy: [{ version: 'desc' }] }),
      prisma.organization.findMany({ orderBy: { id: 'asc' }, select: { id: true, timeZone: true, billingMode: true } }),
      prisma.rateLimit.findMany({ orderBy: { id: 'asc' } }),
      prisma.budget.findMany({ orderBy: { id: 'asc' } }),
      prisma.ledgerAccount.findMany({ where: { kind: { in: ['ORGANIZATION', 'TEAM', 'PROJECT'] } }, orderBy: { id: 'asc' } }),
    ],
    { isolationLevel: 'RepeatableRead' },
  );

  const newestRule = new Map<string, (typeof rules)[number]>();
  for (const rule of rules) {
    const slot = `${rule.providerId}\u0000${rule.model}`;
    if (!newestRule.has(slot)) newestRule.set(slot, rule);
  }
  const usedRules = new Map<string, (typeof rules)[number]>();

  return createSnapshot({
    version: options.version,
    createdAt: now.toISOString(),
    keys: keys.map((k) => ({
      id: k.id,
      hash: k.hash,
      prefix: k.prefix,
      name: k.name,
      orgId: k.orgId,
      teamId: k.teamId,
      projectId: k.projectId,
      environmentId: k.environmentId,
      environment: k.environment.name,
      status: k.status === 'ACTIVE' ? 'active' : k.status === 'DISABLED' ? 'disabled' : 'revoked',
      expiresAt: k.expiresAt?.getTime() ?? null,
      allowedAliases: [...k.allowedAliases].sort(),
      // A grace period that is over needs no entry: the old secret is then simply unknown.
      previousHash: k.previousHash !== null && k.previousHashExpiresAt !== null && k.previousHashExpiresAt > now ? k.previousHash : null,
      previousHashExpiresAt: k.previousHash !== null && k.previousHashExpiresAt !== null && k.previousHashExpiresAt > now ? k.previousHashExpiresAt.getTime() : null,
      responseCacheTtlSeconds: k.responseCacheTtlSeconds,
    })),
    providers: providers.map((p) => {
      const credential = openProviderCredential(p, options.masterKey);
      return {
        id: p.id,
        orgId: p.orgId,
        name: p.name,
        type: p.type.toLowerCase() as ProviderType,
        baseUrl: p.baseUrl,
        credential: credential === null ? null : sealSnapshotCredential(credential, options.snapshotKey, p.id),
        environments: [...p.enabledEnvironments].sort(),
        apiVersion: p.apiVersion,
        extraHeaders: storedExtraHeaders(p.extraHeaders),
        http2: p.http2 === 'AUTO' ? ('auto' as const) : ('off' as const),
      };
    }),
    routes: aliases
      .filter((a) => a.routes.length > 0)
      .map((a) => ({
        orgId: a.orgId,
        alias: a.alias,
        reserveOutputTokens: a.reserveOutputTokens,
        strategy: a.routingStrategy as RoutingStrategy,
        responseCacheTtlSeconds: a.responseCacheTtlSeconds,
        responseCacheToolStreams: a.responseCacheToolStreams,
        deployments: a.routes.map((r) => {
          const rule = newestRule.get(`${r.providerId}\u0000${r.upstreamModel}`) ?? null;
          if (rule !== null) usedRules.set(rule.id, rule);
          return {
            id: r.id,
            providerId: r.providerId,
            upstreamModel: r.upstreamModel,
            priority: r.priority,
            weight: r.weight,
            pricingRuleId: rule?.id ?? null,
            environment: r.environment,
          };
        }),
      })),
    pricingRules: [...usedRules.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((r) => ({
        id: r.id,
        version: r.version,
        inputMicrosPerMTok: Number(r.inputMicrosPerMTok),
        outputMicrosPerMTok: Number(r.outputMicrosPerMTok),
        cachedInputMicrosPerMTok: r.cachedInputMicrosPerMTok === null ? null : Number(r.cachedInputMicrosPerMTok),
        cacheWriteMicrosPerMTok: r.cacheWriteMicrosPerMTok === null ? null : Number(r.cacheWriteMicrosPerMTok),
      })),
    organizations: organizations.map((o) => ({ id: o.id, timeZone: o.timeZone, billingMode: o.billingMode === 'PREPAID' ? 'prepaid' : 'postpaid' })),
    rateLimits: rateLimits.map((l) => ({
      id: l.id,
      orgId: l.orgId,
      scope: l.scope.toLowerCase() as 'key' | 'team' | 'project',
      scopeId: l.scopeId,
      requestsPerMinute: l.requestsPerMinute,
      tokensPerMinute: l.tokensPerMinute,
      concurrentRequests: l.concurrentRequests,
    })),
    budgets: budgets.map((b) => ({
      id: b.id,
      orgId: b.orgId,
      scope: b.scope.toLowerCase() as 'organization' | 'team' | 'project' | 'environment' | 'key',
      scopeId: b.scopeId,
      name: b.name,
      period: b.period.toLowerCase() as 'day' | 'week' | 'month' | 'lifetime',
      amountMicros: Number(b.amountMicros),
      mode: b.mode === 'HARD' ? 'hard' : 'alert',
      alertThresholdsPercent: [...b.alertThresholds].sort((x, y) => x - y),
    })),
    // Customer accounts fund requests; an organisation's own account has no scope id of its own.
    fundingAccounts: fundingAccounts.map((a) => ({
      id: a.id,
      orgId: a.orgId,
      scope: a.kind.toLowerCase() as 'organization' | 'team' | 'project',
      scopeId: a.kind === 'ORGANIZATION' ? a.orgId : a.scopeId,
    })),
  });
}

/** The stored `extra_headers` JSON as a name → value map (validated on write; anything else is dropped). */
function storedExtraHeaders(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
