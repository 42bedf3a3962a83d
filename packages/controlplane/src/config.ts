import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { EnvReader } from '@proxystacks/shared/config/env-reader';
import { createKeyring, parseSecretKey, type SecretKey, type SecretKeyring } from '@proxystacks/shared/crypto/sealed-secret';
import type { UpstreamAddressPolicy } from '@proxystacks/shared/net/upstream-address-policy';
import { readTracingConfig, type TracingConfig } from '@proxystacks/shared/tracing/tracing-config';
import { DEFAULT_PASSWORD_HASH_COST, MAX_PASSWORD_HASH_COST, MIN_PASSWORD_HASH_COST, passwordHashParams } from './auth/password-hash.ts';
import { DEFAULT_OWNER_EMAIL, type AuthSettings } from './auth/auth-settings.ts';
import type { AnalyticsRetentionDays } from '@proxystacks/shared/events/request-rollups-ddl';

/** Everything the control plane reads from its environment, validated. */
export interface ControlplaneConfig {
  dataDir: string;
  /** Postgres URL; null = embedded PGlite under dataDir. */
  databaseUrl: string | null;
  /** ClickHouse HTTP URL; null = embedded chDB under dataDir. */
  clickhouseUrl: string | null;
  clickhouseDatabase: string;
  /** CLICKHOUSE_CLUSTER: analytics tables are created ON CLUSTER, replicated and Distributed; null = one server. */
  clickhouseCluster: string | null;
  host: string;
  port: number;
  /** HMAC secret for API key and admin token hashes. */
  keySecret: string;
  /** AES-256-GCM key for provider credentials at rest: everything is sealed under it. */
  masterKey: SecretKey;
  /**
   * masterKey plus, during a rotation, RELAY_MASTER_KEY_PREVIOUS: values sealed under either
   * open (see `relay rotate-master-key`).
   */
  masterKeyring: SecretKeyring;
  /** Bearer token data planes present on /internal/v1/*. */
  internalToken: string;
  /** During a token rotation, the token being retired (still accepted from data planes); else null. */
  internalTokenPrevious: string | null;
  /** Largest /graphql request body; larger ones get 413 before they are buffered. */
  graphqlMaxBodyBytes: number;
  /** Admin token to ensure at start (production); null = create one on an empty database. */
  adminToken: string | null;
  logLevel: string;
  /** Built console (packages/console/dist) served at `/`. */
  consoleDir: string;
  /**
   * Which non-public addresses a provider base URL may point at (PROVIDER_URL_ALLOW_LOOPBACK,
   * PROVIDER_URL_ALLOW_PRIVATE); link-local and cloud metadata addresses never.
   */
  providerUrlPolicy: UpstreamAddressPolicy;
  /** Console sessions, password hashing and set-up links (SESSION_TTL_HOURS, PASSWORD_HASH_COST, RELAY_PUBLIC_URL). */
  auth: AuthSettings;
  /** Email of the owner user bootstrap creates on an empty database (RELAY_OWNER_EMAIL). */
  ownerEmail: string;
  /**
   * Days kept of raw request events and of the minute and hour rollups (ANALYTICS_RAW_TTL_DAYS,
   * ANALYTICS_MINUTE_ROLLUP_TTL_DAYS, ANALYTICS_HOUR_ROLLUP_TTL_DAYS); 0 = forever.
   */
  analyticsRetention: AnalyticsRetentionDays;
  /** How long a data plane's quota grant lasts without renewal (QUOTA_LEASE_TTL_MS): a dead instance's unused share returns after this. */
  quotaLeaseTtlMs: number;
  /** The data planes' HEALTH_REPORT_INTERVAL_MS: an instance silent for 3 of these drops out of deployment health. */
  healthReportIntervalMs: number;
  /** OpenTelemetry traces of GraphQL operations (OTEL_EXPORTER_OTLP_ENDPOINT and the other OTEL_* settings); null = off, the default. */
  tracing: TracingConfig | null;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const DEFAULT_CONSOLE_DIR = resolve(fileURLToPath(import.meta.url), '../../../console/dist');

/**
 * Reads the control plane's configuration. Secrets are required here: `relay start` fills
 * them from `.relay/secrets.json` before calling this, `relay controlplane` takes them from
 * the environment.
 */
export function loadControlplaneConfig(env: Record<string, string | undefined>): ControlplaneConfig {
  const read = new EnvReader(env);
  const masterKeyText = read.secret('RELAY_MASTER_KEY', { required: true, minLength: 1 });
  let masterKey = Buffer.alloc(32) as SecretKey;
  if (masterKeyText !== '') {
    try {
      masterKey = parseSecretKey(masterKeyText, 'RELAY_MASTER_KEY');
    } catch {
      read.problem('RELAY_MASTER_KEY', 'must be 32 bytes, as 64 hex characters or base64');
    }
  }
  const previousKeyText = read.secret('RELAY_MASTER_KEY_PREVIOUS', { required: false, minLength: 1 });
  let previousKey: SecretKey | null = null;
  if (previousKeyText !== null) {
    try {
      previousKey = parseSecretKey(previousKeyText, 'RELAY_MASTER_KEY_PREVIOUS');
    } catch {
      read.problem('RELAY_MASTER_KEY_PREVIOUS', 'must be 32 bytes, as 64 hex characters or base64');
    }
  }
  const clickhouseDatabase = read.string('CLICKHOUSE_DATABASE', 'relay');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(clickhouseDatabase)) {
    read.problem('CLICKHOUSE_DATABASE', `must be a plain identifier, got ${JSON.stringify(clickhouseDatabase)}`);
  }
  const clickhouseCluster = read.optionalString('CLICKHOUSE_CLUSTER');
  if (clickhouseCluster !== null && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(clickhouseCluster)) {
    read.problem('CLICKHOUSE_CLUSTER', `must be a plain identifier, got ${JSON.stringify(clickhouseCluster)}`);
  }
  if (clickhouseCluster !== null && read.raw('CLICKHOUSE_URL') === undefined) read.problem('CLICKHOUSE_CLUSTER', 'needs CLICKHOUSE_URL (a cluster is never the embedded chDB)');
  const adminToken = read.secret('RELAY_ADMIN_TOKEN', { required: false, minLength: 32 });
  const ownerEmail = read.string('RELAY_OWNER_EMAIL', DEFAULT_OWNER_EMAIL).toLowerCase();
  if (!looksLikeEmail(ownerEmail)) read.problem('RELAY_OWNER_EMAIL', `expected an email address, got ${JSON.stringify(ownerEmail)}`);
  const publicUrl = read.url('RELAY_PUBLIC_URL', ['http:', 'https:']);
  const config: ControlplaneConfig = {
    dataDir: resolve(read.string('RELAY_DATA_DIR', './.relay')),
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    clickhouseUrl: read.url('CLICKHOUSE_URL', ['http:', 'https:']),
    clickhouseDatabase,
    clickhouseCluster,
    host: read.string('CONTROLPLANE_HOST', '127.0.0.1'),
    port: read.port('CONTROLPLANE_PORT', 4000),
    keySecret: read.secret('RELAY_KEY_SECRET', { required: true, minLength: 32 }),
    masterKey,
    masterKeyring: createKeyring(masterKey, [previousKey]),
    internalToken: read.secret('RELAY_INTERNAL_TOKEN', { required: true, minLength: 32 }),
    internalTokenPrevious: read.secret('RELAY_INTERNAL_TOKEN_PREVIOUS', { required: false, minLength: 32 }),
    graphqlMaxBodyBytes: read.integer('GRAPHQL_MAX_BODY_BYTES', 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
    adminToken,
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    consoleDir: resolve(read.string('RELAY_CONSOLE_DIR', DEFAULT_CONSOLE_DIR)),
    providerUrlPolicy: Object.freeze({
      allowLoopback: read.boolean('PROVIDER_URL_ALLOW_LOOPBACK', false),
      allowPrivate: read.boolean('PROVIDER_URL_ALLOW_PRIVATE', false),
    }),
    auth: {
      sessionTtlMs: read.integer('SESSION_TTL_HOURS', 12, { min: 1, max: 24 * 30 }) * 3_600_000,
      passwordHash: passwordHashParams(read.integer('PASSWORD_HASH_COST', DEFAULT_PASSWORD_HASH_COST, { min: MIN_PASSWORD_HASH_COST, max: MAX_PASSWORD_HASH_COST })),
      publicUrl: publicUrl === null ? null : publicUrl.replace(/\/+$/, ''),
    },
    ownerEmail,
    analyticsRetention: {
      rawEvents: read.integer('ANALYTICS_RAW_TTL_DAYS', 0, { min: 0, max: 36_500 }),
      minuteRollup: read.integer('ANALYTICS_MINUTE_ROLLUP_TTL_DAYS', 31, { min: 0, max: 36_500 }),
      hourRollup: read.integer('ANALYTICS_HOUR_ROLLUP_TTL_DAYS', 0, { min: 0, max: 36_500 }),
    },
    quotaLeaseTtlMs: read.integer('QUOTA_LEASE_TTL_MS', 30_000, { min: 1_000, max: 3_600_000 }),
    healthReportIntervalMs: read.integer('HEALTH_REPORT_INTERVAL_MS', 5_000, { min: 100, max: 300_000 }),
    tracing: readTracingConfig(read, 'relay-controlplane'),
  };
  read.finish('control plane');
  return config;
}

/** A plausible email address: something@something, no spaces, at most 254 characters. */
export function looksLikeEmail(value: string): boolean {
  return value.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(value);
}

/** What `relay rotate-master-key` reads: where the data is, and the keys when they come from the environment. */
export interface MasterKeyRotationConfig {
  dataDir: string;
  /** Postgres URL; null = embedded PGlite under dataDir. */
  databaseUrl: string | null;
  /** RELAY_MASTER_KEY: the new key (external secrets); null = the embedded secrets file holds the keys. */
  masterKey: SecretKey | null;
  /** RELAY_MASTER_KEY_PREVIOUS: the key being retired (external secrets only). */
  previousMasterKey: SecretKey | null;
}

/** Reads the configuration of `relay rotate-master-key`; throws one error naming every bad value (never a key). */
export function loadMasterKeyRotationConfig(env: Record<string, string | undefined>): MasterKeyRotationConfig {
  const read = new EnvReader(env);
  const key = (name: string): SecretKey | null => {
    const text = read.secret(name, { required: false, minLength: 1 });
    if (text === null) return null;
    try {
      return parseSecretKey(text, name);
    } catch {
      read.problem(name, 'must be 32 bytes, as 64 hex characters or base64');
      return null;
    }
  };
  const config: MasterKeyRotationConfig = {
    dataDir: resolve(read.string('RELAY_DATA_DIR', './.relay')),
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    masterKey: key('RELAY_MASTER_KEY'),
    previousMasterKey: key('RELAY_MASTER_KEY_PREVIOUS'),
  };
  if (config.masterKey === null && config.previousMasterKey !== null) {
    read.problem('RELAY_MASTER_KEY_PREVIOUS', 'is set without RELAY_MASTER_KEY (the new key)');
  }
  read.finish('rotate-master-key');
  return config;
}

/** What `relay setup-link <email>` reads: where the data is, the key secret, where the console is. */
export interface SetupLinkCommandConfig {
  dataDir: string;
  /** Postgres URL; null = embedded PGlite under dataDir. */
  databaseUrl: string | null;
  /** RELAY_KEY_SECRET; null = the embedded secrets file's. */
  keySecret: string | null;
  /** RELAY_PUBLIC_URL, else the control plane's own address (CONTROLPLANE_HOST and CONTROLPLANE_PORT). */
  consoleOrigin: string;
}

/** Reads the configuration of `relay setup-link`; throws one error naming every bad value (never a secret). */
export function loadSetupLinkCommandConfig(env: Record<string, string | undefined>): SetupLinkCommandConfig {
  const read = new EnvReader(env);
  const host = read.string('CONTROLPLANE_HOST', '127.0.0.1');
  const port = read.port('CONTROLPLANE_PORT', 4000);
  const publicUrl = read.url('RELAY_PUBLIC_URL', ['http:', 'https:']);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const config: SetupLinkCommandConfig = {
    dataDir: resolve(read.string('RELAY_DATA_DIR', './.relay')),
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    keySecret: read.secret('RELAY_KEY_SECRET', { required: false, minLength: 32 }),
    consoleOrigin: (publicUrl ?? `http://${shownHost}:${port}`).replace(/\/+$/, ''),
  };
  read.finish('setup-link');
  return config;
}

/** What `relay reconcile` reads: where Postgres and ClickHouse are (no secrets needed). */
export interface ReconcileCommandConfig {
  dataDir: string;
  /** Postgres URL; null = embedded PGlite under dataDir. */
  databaseUrl: string | null;
  /** ClickHouse HTTP URL; null = embedded chDB under dataDir. */
  clickhouseUrl: string | null;
  clickhouseDatabase: string;
  logLevel: string;
}

/** Reads the configuration of `relay reconcile`; throws one error naming every bad value. */
export function loadReconcileCommandConfig(env: Record<string, string | undefined>): ReconcileCommandConfig {
  const read = new EnvReader(env);
  const clickhouseDatabase = read.string('CLICKHOUSE_DATABASE', 'relay');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(clickhouseDatabase)) {
    read.problem('CLICKHOUSE_DATABASE', `must be a plain identifier, got ${JSON.stringify(clickhouseDatabase)}`);
  }
  const config: ReconcileCommandConfig = {
    dataDir: resolve(read.string('RELAY_DATA_DIR', './.relay')),
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    clickhouseUrl: read.url('CLICKHOUSE_URL', ['http:', 'https:']),
    clickhouseDatabase,
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'warn'),
  };
  read.finish('reconcile');
  return config;
}
