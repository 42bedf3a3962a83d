import { randomUUID } from 'node:crypto';
import { EVENT_VERSION, type RequestEvent } from './request-event.ts';
import { formatEventTime } from './request-events-ddl.ts';

/**
 * A complete, valid request event for tests and benchmarks: a successful, unstreamed mock
 * request with a fresh request id, now. Pass only what the test is about.
 * @example testRequestEvent({ org_id: orgId, cost_micros: 42 })
 */
export function testRequestEvent(overrides: Partial<RequestEvent> = {}): RequestEvent {
  return {
    event_version: EVENT_VERSION,
    request_id: `req_${randomUUID().replaceAll('-', '')}`,
    ts: formatEventTime(Date.now()),
    org_id: 'org-test',
    project_id: '',
    team_id: '',
    key_id: '',
    alias: 'relay-mini',
    provider_id: 'prov-test',
    provider_type: 'mock',
    upstream_model: 'mock-1',
    status_code: 200,
    error_code: '',
    upstream_error_code: '',
    attempts: 1,
    prompt_tokens: 0,
    completion_tokens: 0,
    cached_tokens: 0,
    usage_source: 'provider',
    cost_micros: 0,
    pricing_rule_id: '',
    pricing_rule_version: 0,
    snapshot_version: 1,
    latency_ms: 0,
    ttft_ms: null,
    streamed: false,
    stream_end: '',
    finish_reason: 'stop',
    dataplane_id: 'dataplane-test',
    environment_id: '',
    environment: '',
    key_prefix: '',
    key_hash_id: '',
    cost_saved_micros: 0,
    cache_hit: false,
    // No per-attempt detail, as in an event from a data plane before migration 0006.
    attempt_log: [],
    cache_write_tokens: 0,
    ...overrides,
  };
}
