import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { UNKNOWN_ALIAS } from '@proxystacks/shared/events/unknown-alias';

/** What the metrics read at scrape time rather than on every request. */
export interface MetricsSources {
  snapshotVersion(): number | null;
  inFlight(): number;
  events(): { queued: number; spoolBatches: number; spoolBytes: number; dropped: number; failedWrites: number };
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
  const requests = new Counter({
    name: 'relay_requests_total',
    help: 'Chat completion requests by alias, HTTP status class and error code.',
    labelNames: ['alias', 'status', 'error_code', 'streamed'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'relay_request_duration_seconds',
    help: 'Arrival to last byte sent.',
    labelNames: ['streamed'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const ttft = new Histogram({
    name: 'relay_time_to_first_token_seconds',
    help: 'Arrival to the first generated content of a stream.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'relay_tokens_total',
    help: 'Tokens metered, by kind and by where the count came from.',
    labelNames: ['kind', 'source'] as const,
    registers: [registry],
  });
  const cost = new Counter({ name: 'relay_cost_micros_total', help: 'Cost metered, in micro-units.', registers: [registry] });
  const attempts = new Counter({
    name: 'relay_upstream_attempts_total',
    help: 'Upstream attempts (a fallback makes more than one per request), by provider type.',
    labelNames: ['provider_type'] as const,
    registers: [registry],
  });
  gauge(registry, 'relay_snapshot_version', 'Config snapshot version in use (0 before the first).', () => sources.snapshotVersion() ?? 0);
  gauge(registry, 'relay_requests_in_flight', 'Requests being served.', () => sources.inFlight());
  gauge(registry, 'relay_events_queued', 'Request events waiting in memory.', () => sources.events().queued);
  gauge(registry, 'relay_events_spool_batches', 'Event batches on disk waiting for the event store.', () => sources.events().spoolBatches);
  gauge(registry, 'relay_events_spool_bytes', 'Disk used by the event spool.', () => sources.events().spoolBytes);
  gauge(registry, 'relay_events_dropped', 'Request events dropped because queue and spool were full (alarm if > 0).', () => sources.events().dropped);
  gauge(registry, 'relay_event_write_failures', 'Failed event batch writes since start.', () => sources.events().failedWrites);

  return {
    registry,
    /** Records one finished request from its event; `knownAlias` says whether the alias exists. */
    observe(event: RequestEvent, knownAlias: boolean): void {
      const streamed = event.streamed ? 'true' : 'false';
      requests.inc({ alias: knownAlias ? event.alias : UNKNOWN_ALIAS, status: `${Math.floor(event.status_code / 100)}xx`, error_code: event.error_code, streamed });
      duration.observe({ streamed }, event.latency_ms / 1000);
      if (event.ttft_ms !== null) ttft.observe(event.ttft_ms / 1000);
      if (event.prompt_tokens > 0) tokens.inc({ kind: 'prompt', source: event.usage_source }, event.prompt_tokens);
      if (event.completion_tokens > 0) tokens.inc({ kind: 'completion', source: event.usage_source }, event.completion_tokens);
      if (event.cost_micros > 0) cost.inc(event.cost_micros);
      if (event.attempts > 0) attempts.inc({ provider_type: event.provider_type }, event.attempts);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

export type DataplaneMetrics = ReturnType<typeof createDataplaneMetrics>;

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
