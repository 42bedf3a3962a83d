import uWS from 'uWebSockets.js';
import type { Logger } from 'pino';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { HostResolver } from '@proxystacks/shared/net/host-resolver';
import type { DataplaneConfig } from './config.ts';
import type { EventQueue } from './events/event-queue.ts';
import { createDataplaneMetrics } from './metrics/dataplane-metrics.ts';
import { serveMetrics } from './routes/metrics.ts';
import { createBodyBudget } from './http/body-budget.ts';
import { Exchange, type ExchangeOptions } from './http/exchange.ts';
import { InFlightExchanges } from './http/in-flight-exchanges.ts';
import { checkRequestHead } from './http/request-head.ts';
import { startMockUpstream, type MockUpstream } from './mock/mock-upstream.ts';
import { createOpenAICompatibleAdapter } from './providers/openai-compatible.ts';
import { createGeminiAdapter } from './providers/gemini/gemini-adapter.ts';
import { createAnthropicAdapter } from './providers/anthropic/anthropic-adapter.ts';
import { createProviderRegistry } from './providers/provider-registry.ts';
import { serveChatCompletion, type ChatCompletionsDeps } from './routes/chat-completions.ts';
import { serveEmbeddings } from './routes/embeddings.ts';
import { serveCountTokens, serveMessages } from './routes/messages.ts';
import { ANTHROPIC_ERROR_WIRE } from './inbound/anthropic-messages/anthropic-error-wire.ts';
import { serveResponses } from './routes/responses.ts';
import { serveHealth, serveModel, serveModels } from './routes/models.ts';
import { serveKeyInfo } from './routes/key-info.ts';
import { createAdmission } from './quota/admission.ts';
import { createResponseCache } from './cache/response-cache.ts';
import { createLeaseClient } from './quota/lease-client.ts';
import { createHealthReporter, type DeploymentHealthSource } from './health/health-reporter.ts';
import type { SnapshotStore } from './snapshot/snapshot-store.ts';
import { gateAdapter } from './upstream/gated-adapter.ts';
import { createUpstreamResilience, resilienceOptions } from './routing/upstream-resilience.ts';
import { snapshotDeployments } from './snapshot/compiled-snapshot.ts';
import { connectOriginOf, createAddressGuardedConnector } from './upstream/address-guarded-connector.ts';
import { createOriginGate } from './upstream/origin-gate.ts';
import { loadRequestTracing, type RequestTracing } from './tracing/request-tracing.ts';
import { createUpstreamDispatchers } from './upstream/upstream-dispatchers.ts';
import { disableAllocationSitePretenuring } from './runtime/heap-tuning.ts';

export interface DataplaneOptions {
  config: DataplaneConfig;
  snapshots: SnapshotStore;
  events: EventQueue;
  logger: Logger;
  /** Resolves upstream host names before each new connection is checked; default the system resolver (tests pass a stub). */
  resolveUpstreamHost?: HostResolver;
  /** What deployment health to report to the control plane; default the circuit breakers' own board (tests may pass another). */
  deploymentHealth?: DeploymentHealthSource;
  /** What GET /metrics answers; default this process's own metrics (a worker answers for all workers, issue 11). */
  renderMetrics?: () => Promise<string>;
  /** Certificates trusted for upstream TLS instead of Node's roots (tests with their own CA; operators use NODE_EXTRA_CA_CERTS). */
  upstreamCa?: readonly string[];
  /** The response cache's clock in ms (default Date.now); tests pass one to expire entries. */
  cacheClock?: () => number;
}

export interface Dataplane {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(port: number, host: string): Promise<number>;
  /**
   * Stops accepting connections, lets requests in flight finish (up to SHUTDOWN_GRACE_MS, then
   * cuts them), and releases upstream connections. Queued events are the caller's to drain.
   */
  close(): Promise<void>;
  /** Requests being served right now. */
  inFlight(): number;
  /** This process's own metrics in Prometheus text format. */
  renderOwnMetrics(): Promise<string>;
}

/**
 * The data plane's HTTP server: uWebSockets.js routes wired to the handlers. Handlers never
 * touch a database: keys, routes and prices come from the snapshot store, events leave through
 * the queue. Upstream calls share one keep-alive pool, behind a per-origin gate.
 */
export function createDataplane(options: DataplaneOptions): Dataplane {
  const { config, snapshots, events, logger } = options;
  // Request-scoped objects must stay young (runtime/heap-tuning.ts): before anything is served.
  disableAllocationSitePretenuring();
  // The pool is as wide as the gate, so a request that has a slot never waits in undici's own
  // queue: waiting happens in the gate, where it is bounded in time, fair and visible (issue 6).
  // Every new upstream connection is checked against the address policy after resolution (DNS
  // rebinding, issue 7); only the built-in mock, which this process starts itself, is exempt.
  const trustedOrigins = new Set<string>();
  // Two pools (HTTP/1.1 only, and h2 offered by ALPN), picked per provider's `http2` setting
  // (issue 11); every connection of both goes through the same address guard.
  const dispatchers = createUpstreamDispatchers({
    connector: (allowH2) =>
      createAddressGuardedConnector({
        policy: config.upstreamAddressPolicy,
        trustedOrigins,
        ...(options.resolveUpstreamHost ? { resolve: options.resolveUpstreamHost } : {}),
        onRefused: (err) => logger.warn({ host: err.hostName, category: err.category }, 'upstream connection refused by the address policy'),
        connectTimeoutMs: config.resilience.connectTimeoutMs,
        allowH2,
        ...(options.upstreamCa ? { ca: options.upstreamCa } : {}),
      }),
    maxConnectionsPerOrigin: config.upstreamMaxConnectionsPerOrigin,
    ...config.upstreamPool,
  });
  let mock: MockUpstream | null = null;
  let listenSocket: uWS.us_listen_socket | null = null;
  // OpenTelemetry spans when OTEL_EXPORTER_OTLP_ENDPOINT is set (loaded in listen()); null: off, nothing of it loaded.
  let tracing: RequestTracing | null = null;

  const app = uWS.App();
  let deps: ChatCompletionsDeps | null = null;
  const inFlight = new InFlightExchanges<Exchange>();
  let drained: (() => void) | null = null;
  const metrics = createDataplaneMetrics({
    snapshotVersion: () => snapshots.current()?.version ?? null,
    inFlight: () => inFlight.size,
    events: () => events.stats(),
    upstreamOrigins: () => gate.load(),
    resilience: () => resilience,
  });
  const resilience = createUpstreamResilience(resilienceOptions(config, () => snapshotDeployments(snapshots.current())));
  const gate = createOriginGate({
    maxInFlightPerOrigin: config.upstreamMaxConnectionsPerOrigin,
    maxInFlightPerOrgPerOrigin: config.upstreamMaxConnectionsPerOrg,
    maxQueuedPerOrigin: config.upstreamQueueMaxPerOrigin,
    queueTimeoutMs: config.upstreamQueueTimeoutMs,
    observer: { admitted: metrics.upstreamAdmitted, rejected: metrics.upstreamRejected },
  });

  const bodyBudget = createBodyBudget(config.maxBufferedBodyBytes);
  // Budget and rate-limit capacity is leased from the control plane the snapshots come from.
  const leases = createLeaseClient({
    controlplaneUrl: config.controlplaneUrl,
    internalToken: config.internalToken,
    dataplaneId: config.dataplaneId,
    leaseFraction: config.quota.leaseFraction,
    observer: metrics.quota,
    logger,
  });
  // Deployment health goes to the same control plane, every HEALTH_REPORT_INTERVAL_MS (issue 9).
  const healthReporter = createHealthReporter({
    controlplaneUrl: config.controlplaneUrl,
    internalToken: config.internalToken,
    dataplaneId: config.dataplaneId,
    intervalMs: config.healthReportIntervalMs,
    // The circuit breakers' board: its reports, and a send at once when a breaker opens or closes.
    source: options.deploymentHealth ?? resilience.health,
    logger,
  });
  const admission = createAdmission({
    leases,
    waitMs: config.quota.waitMs,
    defaultReserveOutputTokens: config.quota.defaultReserveOutputTokens,
    streamStepTokens: config.quota.streamStepTokens,
    observer: metrics.quota,
  });

  app.post('/v1/chat/completions', (res, req) => serveTracked(new Exchange(res, req), req, serveChatCompletion, 'chat completion'));
  app.post('/v1/embeddings', (res, req) => serveTracked(new Exchange(res, req), req, serveEmbeddings, 'embeddings'));
  // Anthropic-compatible: Anthropic's SDKs send the key as `x-api-key` and read Anthropic-shaped errors.
  const anthropicExchange: ExchangeOptions = { errorWire: ANTHROPIC_ERROR_WIRE, apiKeyHeader: 'x-api-key' };
  app.post('/v1/messages', (res, req) => serveTracked(new Exchange(res, req, anthropicExchange), req, serveMessages, 'messages'));
  app.post('/v1/messages/count_tokens', (res, req) => serveTracked(new Exchange(res, req, anthropicExchange), req, serveCountTokens, 'count_tokens'));
  app.any('/v1/messages', (res, req) => {
    const ex = new Exchange(res, req, anthropicExchange);
    if (refuseBadHead(ex, req)) return;
    ex.sendError(new RelayError('method_not_allowed', `Method ${req.getMethod().toUpperCase()} is not allowed on /v1/messages; use POST.`));
  });
  app.post('/v1/responses', (res, req) => serveTracked(new Exchange(res, req), req, serveResponses, 'responses'));
  app.get('/v1/models/*', (res, req) => {
    const ex = new Exchange(res, req);
    if (!refuseBadHead(ex, req)) serveModel(ex, snapshots, config.keySecret, req.getUrl());
  });
  app.get('/v1/models', (res, req) => {
    const ex = new Exchange(res, req);
    if (!refuseBadHead(ex, req)) serveModels(ex, snapshots, config.keySecret);
  });
  app.get('/v1/key', (res, req) => {
    const ex = new Exchange(res, req);
    if (!refuseBadHead(ex, req)) void serveKeyInfo(ex, snapshots, config.keySecret, admission);
  });
  app.get('/healthz', (res, req) => {
    const ex = new Exchange(res, req);
    if (!refuseBadHead(ex, req)) serveHealth(ex, snapshots, events.stats(), gate.totals());
  });
  app.get('/metrics', (res, req) => {
    const ex = new Exchange(res, req);
    const served = options.renderMetrics ? { render: options.renderMetrics, contentType: metrics.contentType } : metrics;
    if (!refuseBadHead(ex, req)) serveMetrics(ex, served, [config.internalToken, config.internalTokenPrevious ?? config.internalToken]);
  });
  app.any('/v1/chat/completions', (res, req) => {
    const ex = new Exchange(res, req);
    if (refuseBadHead(ex, req)) return;
    ex.sendError(new RelayError('method_not_allowed', `Method ${req.getMethod().toUpperCase()} is not allowed on /v1/chat/completions; use POST.`));
  });
  app.any('/v1/embeddings', (res, req) => {
    const ex = new Exchange(res, req);
    if (refuseBadHead(ex, req)) return;
    ex.sendError(new RelayError('method_not_allowed', `Method ${req.getMethod().toUpperCase()} is not allowed on /v1/embeddings; use POST.`));
  });
  app.any('/v1/responses', (res, req) => {
    const ex = new Exchange(res, req);
    if (refuseBadHead(ex, req)) return;
    ex.sendError(new RelayError('method_not_allowed', `Method ${req.getMethod().toUpperCase()} is not allowed on /v1/responses; use POST.`));
  });
  app.any('/*', (res, req) => {
    const ex = new Exchange(res, req);
    if (refuseBadHead(ex, req)) return;
    const target = `${req.getMethod().toUpperCase()} ${req.getUrl()}`;
    ex.sendError(new RelayError('unknown_url', `Unknown request URL: ${target.slice(0, 200)}.`));
  });

  /** Serves a request counted as in flight (shutdown waits for it), answering a handler's unexpected failure. */
  function serveTracked(ex: Exchange, req: uWS.HttpRequest, serve: (ex: Exchange, deps: ChatCompletionsDeps) => Promise<void>, what: string): void {
    if (refuseBadHead(ex, req)) return;
    // These routes are exact paths, so the URL is the route (http.route); headers only exist now.
    if (tracing !== null) ex.trace = tracing.startRequest(req.getUrl(), req.getHeader('traceparent'), ex.requestId);
    inFlight.add(ex);
    // One then() for both outcomes: catch() and finally() made four promises and their closures per request.
    serve(ex, deps!).then(
      () => served(ex),
      (err: unknown) => {
        try {
          logger.error({ err, requestId: ex.requestId }, `${what} handler failed`);
          ex.sendError(err);
        } finally {
          served(ex);
        }
      },
    );
  }

  /** A request's handler is done: its span ends and it is no longer in flight. */
  function served(ex: Exchange): void {
    ex.trace?.end();
    inFlight.delete(ex);
    if (inFlight.size === 0) drained?.();
  }

  /** Answers a request whose head breaks the edge limits (request-head.ts); true when it did. */
  function refuseBadHead(ex: Exchange, req: uWS.HttpRequest): boolean {
    const refusal = checkRequestHead(req);
    if (refusal === null) return false;
    // The body, if any, is left unread: close rather than let its bytes be parsed as a request.
    ex.closeAfterAnswer = true;
    ex.sendError(refusal);
    return true;
  }

  return {
    async listen(port, host) {
      if (config.tracing !== null) tracing = await loadRequestTracing(config.tracing);
      mock = await startMockUpstream();
      const mockUrl = new URL(mock.baseUrl);
      trustedOrigins.add(connectOriginOf({ protocol: mockUrl.protocol, hostname: mockUrl.hostname, port: mockUrl.port }));
      const providers = createProviderRegistry([
        gateAdapter(createOpenAICompatibleAdapter({ dispatchers, timeoutMs: config.upstreamTimeoutMs, mockBaseUrl: mock.baseUrl, maxBodyBytes: config.upstreamMaxBodyBytes }), gate),
        gateAdapter(createGeminiAdapter({ dispatchers, timeoutMs: config.upstreamTimeoutMs, maxBodyBytes: config.upstreamMaxBodyBytes }), gate),
        gateAdapter(createAnthropicAdapter({ dispatchers, timeoutMs: config.upstreamTimeoutMs, maxBodyBytes: config.upstreamMaxBodyBytes, maxSseEventBytes: config.upstreamMaxSseEventBytes }), gate),
      ]);
      deps = {
        snapshots,
        providers,
        events,
        metrics,
        keySecret: config.keySecret,
        maxBodyBytes: config.maxBodyBytes,
        upstreamMaxSseEventBytes: config.upstreamMaxSseEventBytes,
        // RESPONSE_CACHE_MAX_BYTES=0: no cache at all (no lookups, no x-relay-cache header).
        ...(config.responseCacheMaxBytes === 0 ? {} : { responseCache: createResponseCache({ maxBytes: config.responseCacheMaxBytes, ...(options.cacheClock ? { now: options.cacheClock } : {}) }) }),
        bodyBudget,
        dataplaneId: config.dataplaneId,
        logger,
        admission,
        resilience,
      };
      leases.start();
      healthReporter.start();
      return new Promise((resolve, reject) => {
        app.listen(host, port, (socket) => {
          if (socket === false) {
            reject(new Error(`The data plane could not listen on ${host}:${port} (is the port in use?)`));
            return;
          }
          listenSocket = socket;
          resolve(uWS.us_socket_local_port(socket as unknown as uWS.us_socket));
        });
      });
    },
    inFlight: () => inFlight.size,
    renderOwnMetrics: () => metrics.render(),
    async close() {
      if (listenSocket !== null) uWS.us_listen_socket_close(listenSocket);
      listenSocket = null;
      if (inFlight.size > 0) {
        logger.info({ inFlight: inFlight.size, graceMs: config.shutdownGraceMs }, 'waiting for requests in flight');
        const allDone = new Promise<void>((resolve) => (drained = resolve));
        const grace = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref());
        await Promise.race([allDone, grace]);
        for (const ex of inFlight.list()) ex.forceClose();
        if (inFlight.size > 0) await Promise.race([allDone, new Promise((resolve) => setTimeout(resolve, 1_000))]);
      }
      await leases.stop();
      await healthReporter.stop();
      await mock?.close();
      await dispatchers.close().catch(() => undefined);
      // Last: the spans of requests that finished during the grace period are sent too.
      await tracing?.shutdown().catch((err: unknown) => logger.warn({ reason: (err as Error).message }, 'sending the last spans failed'));
    },
  };
}
