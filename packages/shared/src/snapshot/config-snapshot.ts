import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_ROUTING_STRATEGY, ROUTING_STRATEGIES } from '../routing/routing-strategy.ts';

/**
 * The config snapshot: everything a data plane needs to decide a request without a database.
 * The control plane builds it from Postgres, versions and hashes it; data planes swap it in
 * atomically, keep the last one on disk, and stamp its version on every event. Runtime policy
 * (keys, routes, prices, later limits and budgets) lives here, never in process config.
 *
 * Money and limits (schema 3, issue 8): each organisation's time zone and billing mode, the
 * rate limits and budgets data planes admit requests against, and the prepaid funding accounts.
 * They describe what to enforce; how much capacity a data plane may use right now comes from
 * its leases (shared/src/quota), never from the snapshot.
 *
 * Invariants (checked by assertConsistent): ids and key hashes are unique, every route has at
 * least one deployment, and every deployment points at a provider and pricing rule that exist.
 */
export const SNAPSHOT_SCHEMA_VERSION = 3;

/** Provider kinds the data plane has adapters for. */
export const PROVIDER_TYPES = ['openai', 'openai_compatible', 'deepseek', 'gemini', 'anthropic', 'azure_openai', 'mock'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/**
 * Whether the data plane may speak HTTP/2 to a provider (issue 11). `auto` offers h2 by ALPN on
 * TLS connections and falls back to HTTP/1.1 when the upstream does not pick it (plain `http://`
 * upstreams always get HTTP/1.1); `off` never offers it, for upstreams whose h2 misbehaves.
 */
export const PROVIDER_HTTP2_MODES = ['auto', 'off'] as const;
export type ProviderHttp2Mode = (typeof PROVIDER_HTTP2_MODES)[number];

const keySchema = z.strictObject({
  id: z.string().min(1),
  /** HMAC-SHA-256 of the secret, hex. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Displayable start of the key (`sk-relay-AbC123`). */
  prefix: z.string(),
  name: z.string(),
  orgId: z.string().min(1),
  teamId: z.string().min(1),
  projectId: z.string().min(1),
  environmentId: z.string().min(1),
  /** The environment's name: routes and providers are chosen by it. */
  environment: z.string().min(1),
  /** Disabled keys may be enabled again; revoked ones never. Each is refused with its own code. */
  status: z.enum(['active', 'disabled', 'revoked']),
  /** Epoch milliseconds after which the key is refused as expired; null = never. */
  expiresAt: z.int().nullable(),
  /** Aliases the key may call; empty = all of its organisation's. */
  allowedAliases: z.array(z.string()),
  /** The secret before the last rotation, valid until previousHashExpiresAt (epoch ms). */
  previousHash: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  previousHashExpiresAt: z.int().nullable(),
  /**
   * Response cache for this key's requests: null = the alias's setting (entries shared by the
   * organisation's keys); 0 = never cached (opt out); > 0 = cached this many seconds in entries
   * private to the key (opt in, also on aliases without a cache).
   */
  responseCacheTtlSeconds: z.int().min(0).nullable().default(null),
});

const providerSchema = z.strictObject({
  id: z.string().min(1),
  /** Owning organisation: only its routes may use the provider. */
  orgId: z.string().min(1),
  name: z.string(),
  type: z.enum(PROVIDER_TYPES),
  /** Upstream base URL (`https://api.openai.com/v1`); null selects the adapter's default. */
  baseUrl: z.string().url().nullable(),
  /** Credential sealed under the snapshot key (see crypto/sealed-secret.ts); null when none. */
  credential: z.string().nullable(),
  /** Environment names the provider may serve; empty = every environment. */
  environments: z.array(z.string()),
  /** Azure OpenAI's `api-version`; null = the adapter's default (and for every other type). */
  apiVersion: z.string().nullable().default(null),
  /** Non-secret headers sent with every request to this provider (e.g. OpenRouter's attribution). */
  extraHeaders: z.record(z.string(), z.string()).default({}),
  /** HTTP/2 to the upstream; snapshots from before issue 11 have none: 'auto'. */
  http2: z.enum(PROVIDER_HTTP2_MODES).default('off'),
});

const deploymentSchema = z.strictObject({
  id: z.string().min(1),
  providerId: z.string().min(1),
  upstreamModel: z.string().min(1),
  /** Lower runs first; deployments of equal priority share traffic by weight. */
  priority: z.int().min(0),
  weight: z.int().min(0),
  /** Pricing rule in force for this provider and model; null = unpriced (cost 0, flagged in events). */
  pricingRuleId: z.string().nullable(),
  /**
   * The environment name this deployment serves; '' = every environment that has no deployment
   * of its own on this alias (so staging can run on a cheap model while production keeps the real one).
   */
  environment: z.string(),
});

const routeSchema = z.strictObject({
  /** Aliases are per organisation: two tenants may both call a model `gpt-4o`. */
  orgId: z.string().min(1),
  alias: z.string().min(1),
  deployments: z.array(deploymentSchema).min(1),
  /** Output tokens a request without max_tokens reserves against budgets; null = the data plane's default. */
  reserveOutputTokens: z.int().min(1).nullable().default(null),
  /** How the deployments are ordered per request (routing/routing-strategy.ts); older snapshots have none: 'fallback'. */
  strategy: z.enum(ROUTING_STRATEGIES).default(DEFAULT_ROUTING_STRATEGY),
  /** Exact-match response cache lifetime in seconds; null = no caching on this alias. */
  responseCacheTtlSeconds: z.int().min(1).nullable().default(null),
  /** Streamed requests with tools may be cached too (off by default: agents expect fresh tool calls). */
  responseCacheToolStreams: z.boolean().default(false),
});

const organizationSchema = z.strictObject({
  id: z.string().min(1),
  /** IANA time zone that budget windows (day, ISO week, month) follow. */
  timeZone: z.string().min(1),
  /** prepaid: a funding account at or below zero stops requests like a hard budget. */
  billingMode: z.enum(['postpaid', 'prepaid']),
});

const rateLimitSchema = z.strictObject({
  id: z.string().min(1),
  orgId: z.string().min(1),
  scope: z.enum(['key', 'team', 'project']),
  /** The key's, team's or project's id. */
  scopeId: z.string().min(1),
  /** null = no limit of that kind. Minutes are UTC clock minutes. */
  requestsPerMinute: z.int().min(0).nullable(),
  /** Input + output tokens per minute. */
  tokensPerMinute: z.int().min(0).nullable(),
  concurrentRequests: z.int().min(0).nullable(),
});

const budgetSchema = z.strictObject({
  id: z.string().min(1),
  orgId: z.string().min(1),
  scope: z.enum(['organization', 'team', 'project', 'environment', 'key']),
  /** The organisation's, team's, project's, environment's or key's id. */
  scopeId: z.string().min(1),
  name: z.string(),
  period: z.enum(['day', 'week', 'month', 'lifetime']),
  amountMicros: z.int().min(0),
  /** hard: stops requests once spent; alert: records and notifies only. */
  mode: z.enum(['hard', 'alert']),
  alertThresholdsPercent: z.array(z.int().min(1).max(1000)),
});

const fundingAccountSchema = z.strictObject({
  /** The ledger account's id. */
  id: z.string().min(1),
  orgId: z.string().min(1),
  /** A request draws on its project's account if it has one, else its team's, else its organisation's. */
  scope: z.enum(['organization', 'team', 'project']),
  scopeId: z.string().min(1),
});

const pricingRuleSchema = z.strictObject({
  id: z.string().min(1),
  version: z.int().min(1),
  inputMicrosPerMTok: z.int().min(0),
  outputMicrosPerMTok: z.int().min(0),
  cachedInputMicrosPerMTok: z.int().min(0).nullable(),
  /** Prompt-cache writes (Anthropic); null = billed as input. Absent in snapshots written before the field. */
  cacheWriteMicrosPerMTok: z.int().min(0).nullable().default(null),
});

const contentSchema = z.strictObject({
  schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
  /** Monotonic revision from the control plane; a data plane never goes backwards. */
  version: z.int().min(0),
  createdAt: z.string(),
  keys: z.array(keySchema),
  providers: z.array(providerSchema),
  routes: z.array(routeSchema),
  pricingRules: z.array(pricingRuleSchema),
  organizations: z.array(organizationSchema).default([]),
  rateLimits: z.array(rateLimitSchema).default([]),
  budgets: z.array(budgetSchema).default([]),
  fundingAccounts: z.array(fundingAccountSchema).default([]),
});

const snapshotSchema = contentSchema.extend({ hash: z.string().regex(/^[0-9a-f]{64}$/) });

export type SnapshotKey = z.infer<typeof keySchema>;
export type SnapshotProvider = z.infer<typeof providerSchema>;
export type SnapshotDeployment = z.infer<typeof deploymentSchema>;
export type SnapshotRoute = z.infer<typeof routeSchema>;
export type SnapshotPricingRule = z.infer<typeof pricingRuleSchema>;
export type SnapshotOrganization = z.infer<typeof organizationSchema>;
export type SnapshotRateLimit = z.infer<typeof rateLimitSchema>;
export type SnapshotBudget = z.infer<typeof budgetSchema>;
export type SnapshotFundingAccount = z.infer<typeof fundingAccountSchema>;
/** What createSnapshot takes: the money and limits lists may be left out (empty). */
export type ConfigSnapshotInput = Omit<z.input<typeof contentSchema>, 'schemaVersion'>;
export type ConfigSnapshotContent = z.infer<typeof contentSchema>;
/** A snapshot with its content hash. */
export type ConfigSnapshot = z.infer<typeof snapshotSchema>;

/** Builds a snapshot from its content: checks consistency and stamps the hash. */
export function createSnapshot(content: ConfigSnapshotInput): ConfigSnapshot {
  const full: ConfigSnapshotContent = contentSchema.parse({ schemaVersion: SNAPSHOT_SCHEMA_VERSION, ...content });
  assertConsistent(full);
  return { ...full, hash: hashSnapshotContent(full) };
}

/**
 * Parses a snapshot that crossed a boundary (HTTP, disk): validates the shape, recomputes the
 * hash and checks consistency. Throws with a message naming what is wrong.
 */
export function parseSnapshot(value: unknown): ConfigSnapshot {
  const snapshot = snapshotSchema.parse(value);
  const { hash, ...content } = snapshot;
  if (hashSnapshotContent(content) !== hash) throw new Error('Config snapshot hash does not match its content');
  assertConsistent(content);
  return snapshot;
}

/**
 * SHA-256 over the canonical JSON of the content (object keys sorted, arrays in order). A
 * provider's `http2` is left out while it is the default ('off'), and a pricing rule's
 * `cacheWriteMicrosPerMTok` while it is null, so a snapshot written before the field existed
 * (kept on a data plane's disk) still matches its hash after an upgrade.
 */
export function hashSnapshotContent(content: ConfigSnapshotContent): string {
  const providers = content.providers.map(({ http2, ...provider }) => (http2 === 'off' ? provider : { ...provider, http2 }));
  const pricingRules = content.pricingRules.map(({ cacheWriteMicrosPerMTok, ...rule }) => (cacheWriteMicrosPerMTok === null ? rule : { ...rule, cacheWriteMicrosPerMTok }));
  return createHash('sha256').update(canonicalJson({ ...content, providers, pricingRules })).digest('hex');
}

/** Throws when ids collide or a reference dangles. */
export function assertConsistent(content: ConfigSnapshotContent): void {
  assertUnique(content.keys.map((k) => k.id), 'key id');
  assertUnique([...content.keys.map((k) => k.hash), ...content.keys.flatMap((k) => (k.previousHash === null ? [] : [k.previousHash]))], 'key hash');
  assertUnique(content.providers.map((p) => p.id), 'provider id');
  assertUnique(content.routes.map((r) => `${r.orgId}/${r.alias}`), 'route alias (per organisation)');
  assertUnique(content.pricingRules.map((r) => r.id), 'pricing rule id');
  assertUnique(content.routes.flatMap((r) => r.deployments.map((d) => d.id)), 'deployment id');
  assertUnique(content.organizations.map((o) => o.id), 'organization id');
  assertUnique(content.rateLimits.map((l) => `${l.scope}/${l.scopeId}`), 'rate limit scope');
  assertUnique(content.budgets.map((b) => `${b.scope}/${b.scopeId}/${b.period}`), 'budget scope and period');
  assertUnique(content.fundingAccounts.map((a) => `${a.scope}/${a.scopeId}`), 'funding account scope');
  const providerOrg = new Map(content.providers.map((p) => [p.id, p.orgId]));
  const rules = new Set(content.pricingRules.map((r) => r.id));
  for (const route of content.routes) {
    for (const d of route.deployments) {
      const owner = providerOrg.get(d.providerId);
      if (owner === undefined) {
        throw new Error(`Route '${route.alias}' points at unknown provider ${d.providerId}`);
      }
      if (owner !== route.orgId) {
        throw new Error(`Route '${route.alias}' of organisation ${route.orgId} points at another organisation's provider ${d.providerId}`);
      }
      if (d.pricingRuleId !== null && !rules.has(d.pricingRuleId)) {
        throw new Error(`Route '${route.alias}' points at unknown pricing rule ${d.pricingRuleId}`);
      }
    }
  }
}

function assertUnique(values: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new Error(`Duplicate ${what} in config snapshot: ${value}`);
    seen.add(value);
  }
}

/** JSON with object keys sorted at every level, so equal content always hashes equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
  });
}
