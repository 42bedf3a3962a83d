import type { ConfigSnapshot, ProviderType, SnapshotKey, SnapshotPricingRule } from '@proxystacks/shared/snapshot/config-snapshot';
import { openSnapshotCredential } from '@proxystacks/shared/snapshot/snapshot-credentials';
import type { SecretKey, SecretKeyring } from '@proxystacks/shared/crypto/sealed-secret';

/** A provider as the hot path uses it: credential opened once per snapshot, not per request. */
export interface CompiledProvider {
  readonly id: string;
  readonly name: string;
  readonly type: ProviderType;
  readonly baseUrl: string | null;
  readonly credential: string | null;
}

/** One deployment behind an alias, with its provider and price resolved. */
export interface CompiledDeployment {
  readonly id: string;
  readonly provider: CompiledProvider;
  readonly upstreamModel: string;
  readonly priority: number;
  readonly weight: number;
  readonly pricing: SnapshotPricingRule | null;
}

export interface CompiledRoute {
  readonly orgId: string;
  readonly alias: string;
  /** Sorted by priority, lowest first. */
  readonly deployments: readonly CompiledDeployment[];
}

/**
 * A config snapshot indexed for O(1) lookups on the hot path: keys by hash, routes by alias.
 * Built once per snapshot swap; requests only read it, so a swap is one reference assignment.
 */
export interface CompiledSnapshot {
  readonly version: number;
  readonly hash: string;
  readonly keysByHash: ReadonlyMap<string, SnapshotKey>;
  /** By {@link routeKey}(orgId, alias): a key only ever sees its own organisation's aliases. */
  readonly routes: ReadonlyMap<string, CompiledRoute>;
  /** Each organisation's aliases, sorted (for `GET /v1/models`). */
  readonly aliasesByOrg: ReadonlyMap<string, readonly string[]>;
  readonly source: ConfigSnapshot;
}

/** Indexes a parsed snapshot and opens its provider credentials (throws if one does not open). */
export function compileSnapshot(snapshot: ConfigSnapshot, credentialKey: SecretKey | SecretKeyring): CompiledSnapshot {
  const providers = new Map<string, CompiledProvider>();
  for (const p of snapshot.providers) {
    providers.set(p.id, {
      id: p.id,
      name: p.name,
      type: p.type,
      baseUrl: p.baseUrl,
      credential: p.credential === null ? null : openSnapshotCredential(p.credential, credentialKey, p.id),
    });
  }
  const pricing = new Map(snapshot.pricingRules.map((r) => [r.id, r]));
  const routes = new Map<string, CompiledRoute>();
  for (const route of snapshot.routes) {
    const deployments = route.deployments
      .map((d) => ({
        id: d.id,
        provider: providers.get(d.providerId)!,
        upstreamModel: d.upstreamModel,
        priority: d.priority,
        weight: d.weight,
        pricing: d.pricingRuleId === null ? null : (pricing.get(d.pricingRuleId) ?? null),
      }))
      .sort((a, b) => a.priority - b.priority);
    routes.set(routeKey(route.orgId, route.alias), { orgId: route.orgId, alias: route.alias, deployments });
  }
  const aliasesByOrg = new Map<string, string[]>();
  for (const route of routes.values()) aliasesByOrg.set(route.orgId, [...(aliasesByOrg.get(route.orgId) ?? []), route.alias]);
  for (const aliases of aliasesByOrg.values()) aliases.sort();
  return {
    version: snapshot.version,
    hash: snapshot.hash,
    keysByHash: new Map(snapshot.keys.map((k) => [k.hash, k])),
    routes,
    aliasesByOrg,
    source: snapshot,
  };
}

/** The route map's key: organisation and alias (NUL cannot occur in either). */
export function routeKey(orgId: string, alias: string): string {
  return `${orgId}\u0000${alias}`;
}
