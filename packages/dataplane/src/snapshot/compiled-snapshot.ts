import type { ConfigSnapshot, ProviderHttp2Mode, ProviderType, SnapshotKey, SnapshotPricingRule } from '@proxystacks/shared/snapshot/config-snapshot';
import { openSnapshotCredential } from '@proxystacks/shared/snapshot/snapshot-credentials';
import type { SecretKey, SecretKeyring } from '@proxystacks/shared/crypto/sealed-secret';
import type { RoutingStrategy } from '@proxystacks/shared/routing/routing-strategy';
import { environmentDeployments } from '../routing/environment-deployments.ts';

/** A provider as the hot path uses it: credential opened once per snapshot, not per request. */
export interface CompiledProvider {
  readonly id: string;
  readonly name: string;
  readonly type: ProviderType;
  readonly baseUrl: string | null;
  readonly credential: string | null;
  /** Environment names the provider may serve; empty = every environment. */
  readonly environments: readonly string[];
  /** Azure OpenAI's `api-version` (null: the adapter's default). */
  readonly apiVersion: string | null;
  /** Headers added to every upstream request; null when there are none (the common case costs nothing). */
  readonly extraHeaders: Readonly<Record<string, string>> | null;
  /** Whether HTTP/2 is offered to this upstream (upstream/upstream-dispatchers.ts). */
  readonly http2: ProviderHttp2Mode;
}

/** One deployment behind an alias, with its provider and price resolved. */
export interface CompiledDeployment {
  readonly id: string;
  readonly provider: CompiledProvider;
  readonly upstreamModel: string;
  readonly priority: number;
  readonly weight: number;
  readonly pricing: SnapshotPricingRule | null;
  /** The environment name this deployment serves; '' = every environment without one of its own. */
  readonly environment: string;
}

export interface CompiledRoute {
  readonly orgId: string;
  readonly alias: string;
  /** Sorted by priority, lowest first. */
  readonly deployments: readonly CompiledDeployment[];
  /**
   * By environment name, for every environment that has a key in the organisation: the
   * deployments that environment's keys use (see environmentDeployments), sorted by priority;
   * empty when the alias does not serve it. Precomputed so routing stays a map lookup.
   */
  readonly byEnvironment: ReadonlyMap<string, readonly CompiledDeployment[]>;
  /** Output tokens a request without max_tokens reserves against limits and budgets; null = the data plane's default. */
  readonly reserveOutputTokens?: number | null;
  /** How each request orders the deployments (routing/plan-deployments.ts); absent = 'fallback'. */
  readonly strategy?: RoutingStrategy;
  /** Exact-match response cache lifetime in seconds; null/absent = no cache on this alias. */
  readonly responseCacheTtlSeconds?: number | null;
  /** Streamed requests with tools may be cached too. */
  readonly responseCacheToolStreams?: boolean;
}

/** A key as the hot path uses it: the snapshot's key plus what it may call, precomputed. */
export interface CompiledKey extends SnapshotKey {
  /** The allow-list as a set; null when it is empty (every alias of the organisation). */
  readonly allowed: ReadonlySet<string> | null;
  /** What `GET /v1/models` lists for it: aliases it may call that serve its environment, sorted. */
  readonly models: readonly string[];
}

/**
 * One secret that opens a key: its current one, or the one it had before a rotation, which
 * keeps working until the grace period ends.
 */
export interface KeySecretEntry {
  readonly key: CompiledKey;
  /**
   * Epoch ms from which this secret no longer opens the key (the rotation's grace is over),
   * checked on every request; null for the current secret.
   */
  readonly validUntil: number | null;
}

/**
 * A config snapshot indexed for O(1) lookups on the hot path: keys by hash, routes by alias.
 * Built once per snapshot swap; requests only read it, so a swap is one reference assignment.
 */
export interface CompiledSnapshot {
  readonly version: number;
  readonly hash: string;
  /** Current and previous (rotation grace) secrets' hashes. */
  readonly keysByHash: ReadonlyMap<string, KeySecretEntry>;
  /** By {@link routeKey}(orgId, alias): a key only ever sees its own organisation's aliases. */
  readonly routes: ReadonlyMap<string, CompiledRoute>;
  /** Each organisation's aliases, sorted (a key's own list for `GET /v1/models` is CompiledKey.models). */
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
      environments: p.environments,
      apiVersion: p.apiVersion,
      extraHeaders: Object.keys(p.extraHeaders).length === 0 ? null : Object.freeze({ ...p.extraHeaders }),
      http2: p.http2,
    });
  }
  const pricing = new Map(snapshot.pricingRules.map((r) => [r.id, r]));
  // Environment names are few (a handful per organisation): routes are resolved for each up front.
  const environmentsByOrg = new Map<string, Set<string>>();
  for (const k of snapshot.keys) {
    const environments = environmentsByOrg.get(k.orgId) ?? new Set<string>();
    environments.add(k.environment);
    environmentsByOrg.set(k.orgId, environments);
  }
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
        environment: d.environment,
      }))
      .sort((a, b) => a.priority - b.priority);
    const byEnvironment = new Map<string, CompiledDeployment[]>();
    for (const environment of environmentsByOrg.get(route.orgId) ?? []) byEnvironment.set(environment, environmentDeployments(deployments, environment));
    routes.set(routeKey(route.orgId, route.alias), { orgId: route.orgId, alias: route.alias, deployments, byEnvironment, reserveOutputTokens: route.reserveOutputTokens, strategy: route.strategy, responseCacheTtlSeconds: route.responseCacheTtlSeconds, responseCacheToolStreams: route.responseCacheToolStreams });
  }
  const aliasesByOrg = new Map<string, string[]>();
  for (const route of routes.values()) aliasesByOrg.set(route.orgId, [...(aliasesByOrg.get(route.orgId) ?? []), route.alias]);
  for (const aliases of aliasesByOrg.values()) aliases.sort();
  // Aliases that serve each (organisation, environment): shared by every key there without an allow-list.
  const servedAliases = new Map<string, string[]>();
  for (const [orgId, environments] of environmentsByOrg) {
    for (const environment of environments) {
      const aliases = (aliasesByOrg.get(orgId) ?? []).filter((alias) => routes.get(routeKey(orgId, alias))!.byEnvironment.get(environment)!.length > 0);
      servedAliases.set(routeKey(orgId, environment), aliases);
    }
  }
  const keysByHash = new Map<string, KeySecretEntry>();
  for (const k of snapshot.keys) {
    const served = servedAliases.get(routeKey(k.orgId, k.environment)) ?? [];
    const allowed = k.allowedAliases.length === 0 ? null : new Set(k.allowedAliases);
    const key: CompiledKey = { ...k, allowed, models: allowed === null ? served : served.filter((alias) => allowed.has(alias)) };
    keysByHash.set(k.hash, { key, validUntil: null });
    // A previous hash without an end to its grace opens nothing (0 is always past): fail closed.
    if (k.previousHash !== null) keysByHash.set(k.previousHash, { key, validUntil: k.previousHashExpiresAt ?? 0 });
  }
  return {
    version: snapshot.version,
    hash: snapshot.hash,
    keysByHash,
    routes,
    aliasesByOrg,
    source: snapshot,
  };
}

/**
 * The deployments a key of `environment` uses on `route`, in priority order (empty = the alias
 * does not serve that environment). A map lookup; computed on the spot only for an environment
 * no key of the snapshot had, which cannot happen for a key from the same snapshot.
 */
export function routeDeployments(route: CompiledRoute, environment: string): readonly CompiledDeployment[] {
  return route.byEnvironment.get(environment) ?? environmentDeployments(route.deployments, environment);
}

/** The route map's key: organisation and alias (NUL cannot occur in either). */
export function routeKey(orgId: string, alias: string): string {
  return `${orgId}\u0000${alias}`;
}

/** Every deployment of every route in `snapshot` (none before the first snapshot): what health reports cover. */
export function* snapshotDeployments(snapshot: CompiledSnapshot | null): Iterable<CompiledDeployment> {
  if (snapshot === null) return;
  for (const route of snapshot.routes.values()) yield* route.deployments;
}
