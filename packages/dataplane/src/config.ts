import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { EnvReader } from '@proxystacks/shared/config/env-reader';
import type { UpstreamAddressPolicy } from '@proxystacks/shared/net/upstream-address-policy';
import { readTracingConfig, type TracingConfig } from '@proxystacks/shared/tracing/tracing-config';

/** Everything the data plane reads from its environment, validated. Runtime policy (keys, routes, prices) comes from config snapshots instead. */
export interface DataplaneConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Where to fetch snapshots and send events from a separate process; null inside `relay start`. */
  controlplaneUrl: string | null;
  /** Bearer token for the control plane's /internal/v1 endpoints; also derives the snapshot credential key. */
  internalToken: string;
  /**
   * The token being rotated away (RELAY_INTERNAL_TOKEN_PREVIOUS), or null: snapshot credentials
   * sealed under either token's key still open (e.g. the copy on disk from before the switch),
   * and /metrics accepts either. Requests to the control plane always send `internalToken`.
   */
  internalTokenPrevious: string | null;
  /** HMAC secret API keys are hashed under (the same as the control plane's). */
  keySecret: string;
  /** ClickHouse HTTP URL to write events to directly; null = send them to the control plane. */
  clickhouseUrl: string | null;
  clickhouseDatabase: string;
  /** Request bodies above this are refused with 413 before they are buffered. */
  maxBodyBytes: number;
  /** Request-body bytes all requests together may buffer; past it, 503 `server_overloaded` with retry-after. */
  maxBufferedBodyBytes: number;
  /**
   * Upstream response headers must arrive within this; also the idle limit between stream chunks
   * (UPSTREAM_IDLE_TIMEOUT_MS, default UPSTREAM_TIMEOUT_MS).
   */
  upstreamTimeoutMs: number;
  /** Largest upstream JSON answer accepted; a larger one is cut off and answered with a 502. */
  upstreamMaxBodyBytes: number;
  /** Largest single SSE event (bytes up to its blank line) accepted from an upstream stream. */
  upstreamMaxSseEventBytes: number;
  /** Memory the exact-match response cache may hold (LRU by bytes); 0 turns it off. */
  responseCacheMaxBytes: number;
  eventBatchSize: number;
  eventFlushIntervalMs: number;
  /** Bound on queued events; beyond it (and with the spool full) events are dropped and counted, loudly. */
  eventQueueMax: number;
  /** Disk the event spool may use while the event store is unreachable. */
  eventSpoolMaxBytes: number;
  /**
   * fsync interval of the event log: 0 = flush every append (survives power loss, one disk flush
   * per request); N = flush every N ms (kill -9 loses nothing, a power loss at most N ms).
   */
  eventLogFsyncMs: number;
  snapshotPollIntervalMs: number;
  /** How often deployment health is sent to the control plane (also sent at once on a state change). */
  healthReportIntervalMs: number;
  /** On shutdown, how long requests in flight (long streams) may take to finish before they are cut. */
  shutdownGraceMs: number;
  /** Names this process in events (`dataplane_id`). */
  dataplaneId: string;
  /**
   * Data plane processes `relay dataplane` runs on the one port (DATAPLANE_WORKERS, default one per
   * core): 1 = this process serves; more = a supervisor forks that many workers (workers/run-dataplane-workers.ts).
   */
  workers: number;
  /** This worker's index under the supervisor (DATAPLANE_WORKER_INDEX, set by it); null when not a worker. */
  workerIndex: number | null;
  logLevel: string;
  /** Upstream exchanges (headers through the last body byte) running at once against one origin. */
  upstreamMaxConnectionsPerOrigin: number;
  /** Of those, how many one organisation may hold, so a busy origin keeps room for the others. */
  upstreamMaxConnectionsPerOrg: number;
  /** Requests waiting for a slot at one origin, all organisations together; beyond it, 503. */
  upstreamQueueMaxPerOrigin: number;
  /** How long a request may wait for a slot at its origin before it is answered 503. */
  upstreamQueueTimeoutMs: number;
  /**
   * Which non-public addresses an upstream connection may go to, checked on every connection
   * against the resolved address (UPSTREAM_ALLOW_LOOPBACK, UPSTREAM_ALLOW_PRIVATE).
   */
  upstreamAddressPolicy: UpstreamAddressPolicy;
  /** Upstream keep-alive pools (issue 11, upstream/upstream-dispatchers.ts): idle times, and h2 streams per connection. */
  upstreamPool: { keepAliveTimeoutMs: number; keepAliveMaxTimeoutMs: number; http2MaxStreamsPerConnection: number };
  /** Upstream resilience (issue 9): attempt deadlines, retries, retry budget, breakers (routing/upstream-resilience.ts). */
  resilience: {
    /** TCP (and TLS) connect to an upstream within this (UPSTREAM_CONNECT_TIMEOUT_MS). */
    connectTimeoutMs: number;
    /** JSON: response within this; stream: first content event within this (UPSTREAM_FIRST_TOKEN_TIMEOUT_MS). */
    firstTokenTimeoutMs: number;
    /** One whole attempt within this (UPSTREAM_TOTAL_TIMEOUT_MS). */
    totalTimeoutMs: number;
    /** Attempts beyond one per deployment (UPSTREAM_MAX_RETRIES). */
    maxRetries: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    retryAfterMaxMs: number;
    /** Retry tokens per first attempt (UPSTREAM_RETRY_BUDGET_PERCENT ÷ 100). */
    retryBudgetRatio: number;
    retryMinPerSecond: number;
    breakerConsecutiveFailures: number;
    /** Error rate that trips a breaker, parts per million (UPSTREAM_BREAKER_ERROR_PERCENT × 10 000). */
    breakerErrorRatePpm: number;
    breakerMinAttempts: number;
    breakerWindowMs: number;
    breakerEjectionMs: number;
    breakerMaxEjectionMs: number;
  };
  /** Quota admission (issue 8): see dataplane/src/quota/admission.ts. */
  quota: {
    /** Longest a request waits for lease renewal rounds when it does not fit the local grant (QUOTA_WAIT_MS). */
    waitMs: number;
    /** Output tokens reserved for a request without max_tokens on an alias without its own setting (DEFAULT_RESERVE_OUTPUT_TOKENS). */
    defaultReserveOutputTokens: number;
    /** A lease is this share of a counter's limit (QUOTA_LEASE_PERCENT ÷ 100); it bounds degraded overspend and parked capacity. */
    leaseFraction: number;
    /** Tokens a stream's reservation grows by each time its output passes it (QUOTA_STREAM_STEP_TOKENS). */
    streamStepTokens: number;
  };
  /** OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT and the other OTEL_* settings); null = off, the default. */
  tracing: TracingConfig | null;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads and validates the data plane's configuration; throws one error naming every bad value. */
export function loadDataplaneConfig(env: Record<string, string | undefined>): DataplaneConfig {
  const read = new EnvReader(env);
  const clickhouseDatabase = read.string('CLICKHOUSE_DATABASE', 'relay');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(clickhouseDatabase)) {
    read.problem('CLICKHOUSE_DATABASE', `must be a plain identifier, got ${JSON.stringify(clickhouseDatabase)}`);
  }
  const upstreamMaxConnectionsPerOrigin = read.integer('UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN', 4096, { min: 1, max: 1_000_000 });
  const upstreamMaxConnectionsPerOrg = read.integer('UPSTREAM_MAX_CONNECTIONS_PER_ORG', Math.ceil(upstreamMaxConnectionsPerOrigin * 0.75), { min: 1, max: 1_000_000 });
  if (upstreamMaxConnectionsPerOrg > upstreamMaxConnectionsPerOrigin) {
    read.problem('UPSTREAM_MAX_CONNECTIONS_PER_ORG', `must not exceed UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN (${upstreamMaxConnectionsPerOrigin}), got ${upstreamMaxConnectionsPerOrg}`);
  }
  const upstreamTimeoutMs = read.integer('UPSTREAM_TIMEOUT_MS', 120_000, { min: 100, max: 3_600_000 });
  const config: DataplaneConfig = {
    host: read.string('DATAPLANE_HOST', '127.0.0.1'),
    port: read.port('DATAPLANE_PORT', 8080),
    dataDir: resolve(read.string('RELAY_DATA_DIR', './.relay')),
    controlplaneUrl: read.url('CONTROLPLANE_URL', ['http:', 'https:']),
    internalToken: read.secret('RELAY_INTERNAL_TOKEN', { required: true, minLength: 32 }),
    internalTokenPrevious: read.secret('RELAY_INTERNAL_TOKEN_PREVIOUS', { required: false, minLength: 32 }),
    keySecret: read.secret('RELAY_KEY_SECRET', { required: true, minLength: 32 }),
    clickhouseUrl: read.url('CLICKHOUSE_URL', ['http:', 'https:']),
    clickhouseDatabase,
    maxBodyBytes: read.integer('MAX_BODY_BYTES', 8 * 1024 * 1024, { min: 1024, max: 256 * 1024 * 1024 }),
    maxBufferedBodyBytes: read.integer('MAX_BUFFERED_BODY_BYTES', 128 * 1024 * 1024, { min: 1024, max: 64 * 1024 ** 3 }),
    // Headers and idle gaps of every upstream exchange (undici's own timers): UPSTREAM_IDLE_TIMEOUT_MS, default UPSTREAM_TIMEOUT_MS.
    upstreamTimeoutMs: read.integer('UPSTREAM_IDLE_TIMEOUT_MS', upstreamTimeoutMs, { min: 10, max: 3_600_000 }),
    upstreamMaxBodyBytes: read.integer('UPSTREAM_MAX_BODY_BYTES', 32 * 1024 * 1024, { min: 1024, max: 1024 ** 3 }),
    upstreamMaxSseEventBytes: read.integer('UPSTREAM_MAX_SSE_EVENT_BYTES', 4 * 1024 * 1024, { min: 1024, max: 256 * 1024 * 1024 }),
    responseCacheMaxBytes: read.integer('RESPONSE_CACHE_MAX_BYTES', 64 * 1024 * 1024, { min: 0, max: 64 * 1024 ** 3 }),
    eventBatchSize: read.integer('EVENT_BATCH_SIZE', 10_000, { min: 1, max: 100_000 }),
    eventFlushIntervalMs: read.integer('EVENT_FLUSH_INTERVAL_MS', 1_000, { min: 10, max: 60_000 }),
    eventQueueMax: read.integer('EVENT_QUEUE_MAX', 100_000, { min: 1, max: 10_000_000 }),
    eventSpoolMaxBytes: read.integer('EVENT_SPOOL_MAX_BYTES', 1024 ** 3, { min: 0, max: 1024 ** 4 }),
    eventLogFsyncMs: read.integer('EVENT_LOG_FSYNC_MS', 200, { min: 0, max: 60_000 }),
    snapshotPollIntervalMs: read.integer('SNAPSHOT_POLL_INTERVAL_MS', 250, { min: 10, max: 60_000 }),
    healthReportIntervalMs: read.integer('HEALTH_REPORT_INTERVAL_MS', 5_000, { min: 100, max: 300_000 }),
    shutdownGraceMs: read.integer('SHUTDOWN_GRACE_MS', 30_000, { min: 0, max: 3_600_000 }),
    dataplaneId: read.string('DATAPLANE_ID', `${hostname()}:${process.pid}`),
    workers: read.integer('DATAPLANE_WORKERS', availableParallelism(), { min: 1, max: 256 }),
    workerIndex: read.raw('DATAPLANE_WORKER_INDEX') === undefined ? null : read.integer('DATAPLANE_WORKER_INDEX', 0, { min: 0, max: 255 }),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    upstreamMaxConnectionsPerOrigin,
    upstreamMaxConnectionsPerOrg,
    upstreamQueueMaxPerOrigin: read.integer('UPSTREAM_QUEUE_MAX_PER_ORIGIN', 4096, { min: 0, max: 1_000_000 }),
    upstreamQueueTimeoutMs: read.integer('UPSTREAM_QUEUE_TIMEOUT_MS', 30_000, { min: 0, max: 3_600_000 }),
    upstreamAddressPolicy: Object.freeze({
      allowLoopback: read.boolean('UPSTREAM_ALLOW_LOOPBACK', false),
      allowPrivate: read.boolean('UPSTREAM_ALLOW_PRIVATE', false),
    }),
    upstreamPool: {
      keepAliveTimeoutMs: read.integer('UPSTREAM_KEEP_ALIVE_TIMEOUT_MS', 30_000, { min: 1_000, max: 3_600_000 }),
      keepAliveMaxTimeoutMs: read.integer('UPSTREAM_KEEP_ALIVE_MAX_TIMEOUT_MS', 600_000, { min: 1_000, max: 3_600_000 }),
      http2MaxStreamsPerConnection: read.integer('UPSTREAM_HTTP2_MAX_STREAMS', 100, { min: 1, max: 10_000 }),
    },
    resilience: {
      connectTimeoutMs: read.integer('UPSTREAM_CONNECT_TIMEOUT_MS', 10_000, { min: 10, max: 600_000 }),
      firstTokenTimeoutMs: read.integer('UPSTREAM_FIRST_TOKEN_TIMEOUT_MS', upstreamTimeoutMs, { min: 10, max: 3_600_000 }),
      totalTimeoutMs: read.integer('UPSTREAM_TOTAL_TIMEOUT_MS', 600_000, { min: 10, max: 24 * 3_600_000 }),
      maxRetries: read.integer('UPSTREAM_MAX_RETRIES', 0, { min: 0, max: 10 }),
      backoffBaseMs: read.integer('UPSTREAM_RETRY_BACKOFF_MS', 100, { min: 0, max: 60_000 }),
      backoffMaxMs: read.integer('UPSTREAM_RETRY_BACKOFF_MAX_MS', 2_000, { min: 0, max: 600_000 }),
      retryAfterMaxMs: read.integer('UPSTREAM_RETRY_AFTER_MAX_MS', 2_000, { min: 0, max: 600_000 }),
      retryBudgetRatio: read.integer('UPSTREAM_RETRY_BUDGET_PERCENT', 20, { min: 0, max: 1_000 }) / 100,
      retryMinPerSecond: read.integer('UPSTREAM_RETRY_MIN_PER_SECOND', 5, { min: 0, max: 100_000 }),
      breakerConsecutiveFailures: read.integer('UPSTREAM_BREAKER_CONSECUTIVE_FAILURES', 5, { min: 1, max: 1_000_000 }),
      breakerErrorRatePpm: read.integer('UPSTREAM_BREAKER_ERROR_PERCENT', 50, { min: 1, max: 100 }) * 10_000,
      breakerMinAttempts: read.integer('UPSTREAM_BREAKER_MIN_ATTEMPTS', 20, { min: 1, max: 1_000_000 }),
      breakerWindowMs: read.integer('UPSTREAM_BREAKER_WINDOW_MS', 60_000, { min: 100, max: 3_600_000 }),
      breakerEjectionMs: read.integer('UPSTREAM_BREAKER_EJECTION_MS', 5_000, { min: 1, max: 3_600_000 }),
      breakerMaxEjectionMs: read.integer('UPSTREAM_BREAKER_MAX_EJECTION_MS', 300_000, { min: 1, max: 24 * 3_600_000 }),
    },
    quota: {
      waitMs: read.integer('QUOTA_WAIT_MS', 250, { min: 0, max: 60_000 }),
      defaultReserveOutputTokens: read.integer('DEFAULT_RESERVE_OUTPUT_TOKENS', 4096, { min: 1, max: 10_000_000 }),
      leaseFraction: read.integer('QUOTA_LEASE_PERCENT', 2, { min: 1, max: 100 }) / 100,
      streamStepTokens: read.integer('QUOTA_STREAM_STEP_TOKENS', 256, { min: 1, max: 1_000_000 }),
    },
    tracing: readTracingConfig(read, 'relay-dataplane'),
  };
  if (config.maxBufferedBodyBytes < config.maxBodyBytes) {
    read.problem('MAX_BUFFERED_BODY_BYTES', `must be at least MAX_BODY_BYTES (${config.maxBodyBytes}), or a body at the cap could never be accepted`);
  }
  read.finish('data plane');
  return config;
}
