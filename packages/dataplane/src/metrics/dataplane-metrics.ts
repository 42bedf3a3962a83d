import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { UNKNOWN_ALIAS } from '@proxystacks/shared/events/unknown-alias';
import type { GateRejectReason, OriginLoad } from '../upstream/origin-gate.ts';
import type { EventQueueStats } from '../events/event-queue.ts';
import type { UpstreamResilience } from '../routing/upstream-resilience.ts';
import { upstreamHealthMetrics } from './upstream-health-metrics.ts';
import { FoldedCounter, FoldedHistogram, NO_LABELS } from './folded-metrics.ts';

/** What the metrics read at scrape time rather than on every request. */
export interface MetricsSources {
  snapshotVersion(): number | null;
  inFlight(): number;
  events(): EventQueueStats;
  /** Per-origin load of the upstream gate (origins come from the snapshot: a bounded label). */
  upstreamOrigins?(): readonly OriginLoad[];
  /** Breakers and retry budget (issue 9). */
  resilience?(): UpstreamResilience;
}

/**
 * Prometheus metrics of one data plane process (prom-client). They are derived from the same
 * request event that goes to ClickHouse, after the response, so there is one source of truth
 * and nothing extra on the request path. Labels are bounded: the alias label only carries
 * aliases that exist in the snapshot (an unknown model name from a client would otherwise
 * create a series per typo).
 */
export function createDataplaneMetrics(sources: MetricsSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'relay_dataplane_' });
  // The per-request series are tallied in plain maps and folded in at scrape time (folded-metrics.ts).
  const requests = new FoldedCounter({
    name: 'relay_requests_total',
    help: 'Chat completion requests by alias, HTTP status class and error code.',
    labelNames: ['alias', 'status', 'error_code', 'streamed'],
    registry,
  });
  const duration = new FoldedHistogram({
    name: 'relay_request_duration_seconds',
    help: 'Arrival to last byte sent.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    labelNames: ['streamed'],
    registry,
  });
  const ttft = new FoldedHistogram({
    name: 'relay_time_to_first_token_seconds',
    help: 'Arrival to the first generated content of a stream.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registry,
  });
  const tokens = new FoldedCounter({
    name: 'relay_tokens_total',
    help: 'Tokens metered, by kind and by where the count came from.',
    labelNames: ['kind', 'source'],
    registry,
  });
  const cost = new FoldedCounter({ name: 'relay_cost_micros_total', help: 'Cost metered, in micro-units.', registry });
  const attempts = new FoldedCounter({
    name: 'relay_upstream_attempts_total',
    help: 'Upstream attempts (a fallback makes more than one per request), by provider type.',
    labelNames: ['provider_type'],
    registry,
  });
  gauge(registry, 'relay_snapshot_version', 'Config snapshot version in use (0 before the first).', () => sources.snapshotVersion() ?? 0);
  gauge(registry, 'relay_requests_in_flight', 'Requests being served.', () => sources.inFlight());
  gauge(registry, 'relay_events_queued', 'Request events waiting in memory.', () => sources.events().queued);
  gauge(registry, 'relay_events_spool_batches', 'Event batches on disk waiting for the event store.', () => sources.events().spoolBatches);
  gauge(registry, 'relay_events_spool_bytes', 'Disk used by the event spool.', () => sources.events().spoolBytes);
  gauge(registry, 'relay_events_dropped', 'Request events dropped because queue and spool were full (alarm if > 0).', () => sources.events().dropped);
  gauge(registry, 'relay_event_write_failures', 'Failed event batch writes since start.', () => sources.events().failedWrites);
  gauge(registry, 'relay_events_log_pending', 'Request events in the local event log not yet acknowledged by the event store or the spool.', () => sources.events().logPending);
  gauge(registry, 'relay_events_spooled', 'Request events on disk in the spool waiting for the event store.', () => sources.events().spoolEvents);
  gauge(registry, 'relay_events_rejected', 'Request events the event store refused for good, moved aside to rejected/ (alarm if > 0).', () => sources.events().rejectedEvents);
  new Gauge({
    name: 'relay_event_disk_errors',
    help: 'Disk errors of the event log and spool since start, by errno code (ENOSPC, EIO, …).',
    labelNames: ['code'] as const,
    registers: [registry],
    collect() {
      for (const [code, count] of Object.entries(sources.events().diskErrors)) this.set({ code }, count);
    },
  });
  const upstream = upstreamGateMetrics(registry, sources);
  upstreamHealthMetrics(registry, () => sources.resilience?.() ?? null);
  const quota = quotaMetrics(registry);

  return {
    registry,
    ...upstream,
    ...quota,
    /** Records one finished request from its event; `knownAlias` says whether the alias exists. */
    observe(event: RequestEvent, knownAlias: boolean): void {
      const streamed = event.streamed ? STREAMED : NOT_STREAMED;
      const alias = knownAlias ? event.alias : UNKNOWN_ALIAS;
      requests.add([alias, statusClass(event.status_code), event.error_code, streamed[0]!]);
      duration.observe(streamed, event.latency_ms / 1000);
      if (event.ttft_ms !== null) ttft.observe(NO_LABELS, event.ttft_ms / 1000);
      if (event.prompt_tokens > 0) tokens.add(['prompt', event.usage_source], event.prompt_tokens);
      if (event.completion_tokens > 0) tokens.add(['completion', event.usage_source], event.completion_tokens);
      if (event.cost_micros > 0) cost.add(NO_LABELS, event.cost_micros);
      if (event.attempts > 0) attempts.add([event.provider_type], event.attempts);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

export type DataplaneMetrics = ReturnType<typeof createDataplaneMetrics>;

const STREAMED: readonly string[] = ['true'];
const NOT_STREAMED: readonly string[] = ['false'];
/** `2xx`… for the status label, made once (an HTTP status is 100-599). */
const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

function statusClass(statusCode: number): string {
  return STATUS_CLASSES[Math.floor(statusCode / 100)] ?? `${Math.floor(statusCode / 100)}xx`;
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/**
 * The upstream gate (issue 6): slots in use and requests waiting per origin, read at scrape
 * time; the wait of every admitted request and every refusal, recorded as they happen. The
 * `origin` label is `scheme://host:port` of a provider base URL from the snapshot, never client text.
 */
function upstreamGateMetrics(registry: Registry, sources: MetricsSources) {
  const perOrigin = (name: string, help: string, read: (load: OriginLoad) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['origin'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const load of sources.upstreamOrigins?.() ?? []) this.set({ origin: load.origin }, read(load));
      },
    });
  perOrigin('relay_upstream_in_flight', 'Upstream exchanges holding a slot at the origin (headers through the last body byte).', (l) => l.inFlight);
  perOrigin('relay_upstream_queued', 'Requests waiting for a slot at the origin.', (l) => l.queued);
  const wait = new FoldedHistogram({
    name: 'relay_upstream_queue_wait_seconds',
    help: 'Time from asking for an upstream slot to getting it (0 when one was free).',
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    labelNames: ['origin'],
    registry,
  });
  const rejections = new Counter({
    name: 'relay_upstream_queue_rejections_total',
    help: 'Requests refused a slot at the origin (503 upstream_overloaded, or a fallback to another deployment).',
    labelNames: ['origin', 'reason'] as const,
    registers: [registry],
  });
  return {
    /** Records one admission through the upstream gate and how long it waited (every request: folded at scrape time). */
    upstreamAdmitted(origin: string, waitedMs: number): void {
      wait.observe([origin], waitedMs / 1000);
    },
    /** Records one refusal by the upstream gate. */
    upstreamRejected(origin: string, reason: GateRejectReason): void {
      rejections.inc({ origin, reason });
    },
  };
}

/**
 * Quota leases and admission (issue 8): requests admitted in degraded mode (control plane
 * unreachable, grant spent or lapsed) by counter kind, renewal rounds and their failures, and the
 * waits of requests that did not fit their instance's grant.
 */
function quotaMetrics(registry: Registry) {
  const degraded = new Counter({
    name: 'relay_quota_degraded_admissions_total',
    help: 'Requests admitted beyond the leased grant while the control plane was unreachable, by counter kind (budget, balance, rpm, tpm, conc).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const renewals = new Counter({ name: 'relay_quota_renewals_total', help: 'Quota lease renewal rounds answered by the control plane.', registers: [registry] });
  const renewFailures = new Counter({ name: 'relay_quota_renew_failures_total', help: 'Quota lease renewal rounds that failed (unreachable, error, timeout).', registers: [registry] });
  const waits = new Histogram({
    name: 'relay_quota_wait_seconds',
    help: 'Time requests waited for a renewal round because their reservation did not fit the local grant.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    /** Observers for the lease client and admission (dataplane/src/quota). */
    quota: {
      degraded: (kind: string) => degraded.inc({ kind }),
      renewed: () => renewals.inc(),
      renewFailed: () => renewFailures.inc(),
      waited: (waitedMs: number) => waits.observe(waitedMs / 1000),
    },
  };
}
