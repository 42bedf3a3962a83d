import { afterEach, describe, expect, it, vi } from 'vitest';
import { Counter, Histogram, Registry } from 'prom-client';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { UNKNOWN_ALIAS } from '@proxystacks/shared/events/unknown-alias';
import { createDataplaneMetrics, type MetricsSources } from './dataplane-metrics.ts';

const sources: MetricsSources = {
  snapshotVersion: () => 1,
  inFlight: () => 0,
  events: () => ({ queued: 0, spoolBatches: 0, spoolBytes: 0, dropped: 0, failedWrites: 0, logPending: 0, spoolEvents: 0, rejectedEvents: 0, diskErrors: {} }) as unknown as ReturnType<MetricsSources['events']>,
};

/** The fields observe() reads, varied so several series of every metric appear. */
function events(): RequestEvent[] {
  const out: RequestEvent[] = [];
  for (let i = 0; i < 60; i++) {
    out.push({
      alias: i % 3 === 0 ? 'gpt' : 'claude',
      streamed: i % 2 === 0,
      status_code: i % 7 === 0 ? 429 : 200,
      error_code: i % 7 === 0 ? 'rate_limit_exceeded' : '',
      latency_ms: (i * 37) % 4000,
      ttft_ms: i % 2 === 0 ? (i * 11) % 900 : null,
      prompt_tokens: i % 5,
      completion_tokens: (i * 3) % 4,
      usage_source: i % 4 === 0 ? 'estimated' : 'upstream',
      cost_micros: i % 6,
      attempts: i % 3,
      provider_type: i % 2 === 0 ? 'openai' : 'anthropic',
    } as unknown as RequestEvent);
  }
  return out;
}

/** What prom-client's own metrics print for the same observations (the layout before issue 11). */
async function reference(list: RequestEvent[], known: (e: RequestEvent) => boolean, waits: Array<[string, number]>): Promise<string> {
  const registry = new Registry();
  const requests = new Counter({ name: 'relay_requests_total', help: 'x', labelNames: ['alias', 'status', 'error_code', 'streamed'], registers: [registry] });
  const duration = new Histogram({ name: 'relay_request_duration_seconds', help: 'x', labelNames: ['streamed'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: [registry] });
  const ttft = new Histogram({ name: 'relay_time_to_first_token_seconds', help: 'x', buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [registry] });
  const tokens = new Counter({ name: 'relay_tokens_total', help: 'x', labelNames: ['kind', 'source'], registers: [registry] });
  const cost = new Counter({ name: 'relay_cost_micros_total', help: 'x', registers: [registry] });
  const attempts = new Counter({ name: 'relay_upstream_attempts_total', help: 'x', labelNames: ['provider_type'], registers: [registry] });
  const wait = new Histogram({ name: 'relay_upstream_queue_wait_seconds', help: 'x', labelNames: ['origin'], buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] });
  for (const e of list) {
    const streamed = e.streamed ? 'true' : 'false';
    requests.inc({ alias: known(e) ? e.alias : UNKNOWN_ALIAS, status: `${Math.floor(e.status_code / 100)}xx`, error_code: e.error_code, streamed });
    duration.observe({ streamed }, e.latency_ms / 1000);
    if (e.ttft_ms !== null) ttft.observe(e.ttft_ms / 1000);
    if (e.prompt_tokens > 0) tokens.inc({ kind: 'prompt', source: e.usage_source }, e.prompt_tokens);
    if (e.completion_tokens > 0) tokens.inc({ kind: 'completion', source: e.usage_source }, e.completion_tokens);
    if (e.cost_micros > 0) cost.inc(e.cost_micros);
    if (e.attempts > 0) attempts.inc({ provider_type: e.provider_type }, e.attempts);
  }
  for (const [origin, ms] of waits) wait.observe({ origin }, ms / 1000);
  return registry.metrics();
}

/** Sample lines (no HELP/TYPE) of the named metrics, sorted: the comparison ignores help texts and series order. */
function samples(text: string, names: readonly string[]): string[] {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#') && names.some((n) => line.startsWith(`${n}{`) || line.startsWith(`${n}_`) || line.startsWith(`${n} `)))
    .sort();
}

const FOLDED = ['relay_requests_total', 'relay_request_duration_seconds', 'relay_time_to_first_token_seconds', 'relay_tokens_total', 'relay_cost_micros_total', 'relay_upstream_attempts_total', 'relay_upstream_queue_wait_seconds'];

describe('issue 11: request metrics folded in at scrape time', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('records a request without any prom-client work, and renders the same numbers at scrape time', async () => {
    // prom-client's constructors bind inc/observe to these methods: spy before creating the metrics.
    const incs = vi.spyOn(Counter.prototype, 'incWithoutExemplar' as never);
    const observes = vi.spyOn(Histogram.prototype, 'observeWithoutExemplar' as never);
    const metrics = createDataplaneMetrics(sources);
    const list = events();
    const known = (e: RequestEvent) => e.alias === 'gpt';
    const waits: Array<[string, number]> = list.map((_, i) => [i % 2 === 0 ? 'http://127.0.0.1:1' : 'https://api.example.test:443', (i * 13) % 3000]);
    for (const e of list) metrics.observe(e, known(e));
    for (const [origin, ms] of waits) metrics.upstreamAdmitted(origin, ms);
    expect(incs).not.toHaveBeenCalled();
    expect(observes).not.toHaveBeenCalled();

    const rendered = await metrics.render();
    const expected = samples(await reference(list, known, waits), FOLDED);
    expect(expected.length).toBeGreaterThan(80);
    expect(samples(rendered, FOLDED)).toEqual(expected);
    // A second scrape adds nothing twice; new requests show up in the next one.
    expect(samples(await metrics.render(), FOLDED)).toEqual(expected);
    for (const e of list) metrics.observe(e, known(e));
    for (const [origin, ms] of waits) metrics.upstreamAdmitted(origin, ms);
    expect(samples(await metrics.render(), FOLDED)).toEqual(samples(await reference([...list, ...list], known, [...waits, ...waits]), FOLDED));
  });

  it('keeps each metric’s HELP and TYPE lines', async () => {
    const metrics = createDataplaneMetrics(sources);
    const text = await metrics.render();
    for (const name of FOLDED) {
      const type = name.endsWith('_total') ? 'counter' : 'histogram';
      expect(text).toContain(`# TYPE ${name} ${type}`);
      expect(text).toMatch(new RegExp(`# HELP ${name} \\S`));
    }
  });
});
