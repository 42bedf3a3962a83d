import { describe, expect, it } from 'vitest';
import { MAX_EVENT_ATTEMPTS } from '@proxystacks/shared/events/event-attempts';
import { validateRequestEvent } from '@proxystacks/shared/events/request-event';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import { buildRequestEvent, newRequestRecord, type RequestRecord, type UpstreamAttempt } from './request-record.ts';

/**
 * Issues 9 and 10: the event carries every upstream attempt (`attempt_log`), not only their count
 * and the last deployment, including the attempt still under way when the final bytes go out
 * (the event is built then, before a successful attempt returns to the fallback loop).
 */

const ARRIVED_AT_MS = 1_800_000_000_000;

function deployment(id: string, providerId: string, upstreamModel: string): CompiledDeployment {
  return { id, provider: { id: providerId } as CompiledDeployment['provider'], upstreamModel, priority: 0, weight: 1, pricing: null, environment: '' };
}

const primary = deployment('route-1', 'prov-broken', 'broken-1');
const fallback = deployment('route-2', 'prov-mock', 'mock-1');
const failed: UpstreamAttempt = { deploymentId: 'route-1', providerId: 'prov-broken', upstreamModel: 'broken-1', status: 500, latencyMs: 12, errorCode: 'upstream_error' };

function record(overrides: Partial<RequestRecord>): RequestRecord {
  return { ...newRequestRecord('req_0123456789abcdef0123456789abcdef', ARRIVED_AT_MS, 1), ...overrides };
}

describe('issue 10: the event records every upstream attempt', () => {
  it('a request answered by its second deployment (still under way as the event is built) records both, in order', () => {
    const event = buildRequestEvent(
      record({ deployment: fallback, attempts: 2, attemptLog: [failed], pendingAttempt: { deployment: fallback, startedAtMs: ARRIVED_AT_MS + 20 }, statusCode: 200, latencyMs: 65 }),
      'dp-1',
    );
    expect(event.attempt_log).toEqual([
      { deployment_id: 'route-1', provider_id: 'prov-broken', upstream_model: 'broken-1', status: 500, latency_ms: 12, error_code: 'upstream_error' },
      { deployment_id: 'route-2', provider_id: 'prov-mock', upstream_model: 'mock-1', status: 200, latency_ms: 45, error_code: '' },
    ]);
    expect(validateRequestEvent(event)).toEqual(event);
  });

  it('a stream that broke after content, and a client gone before any answer, say so on their attempt', () => {
    const broken = buildRequestEvent(
      record({ attempts: 1, pendingAttempt: { deployment: primary, startedAtMs: ARRIVED_AT_MS }, statusCode: 200, streamed: true, streamEnd: 'error', errorCode: 'upstream_stream_interrupted', latencyMs: 30 }),
      'dp-1',
    );
    expect(broken.attempt_log).toEqual([expect.objectContaining({ status: 200, latency_ms: 30, error_code: 'upstream_stream_interrupted' })]);
    const gone = buildRequestEvent(record({ attempts: 1, pendingAttempt: { deployment: primary, startedAtMs: ARRIVED_AT_MS + 5 }, statusCode: 499, latencyMs: 30 }), 'dp-1');
    expect(gone.attempt_log).toEqual([expect.objectContaining({ deployment_id: 'route-1', status: 0, latency_ms: 25, error_code: '' })]);
  });

  it('a request refused before routing records none', () => {
    expect(buildRequestEvent(record({ statusCode: 404, errorCode: 'model_not_found' }), 'dp-1').attempt_log).toEqual([]);
  });

  it(`past ${MAX_EVENT_ATTEMPTS} attempts, keeps the first ${MAX_EVENT_ATTEMPTS - 1} and the last (attempts counts them all)`, () => {
    const log = Array.from({ length: 20 }, (_, i): UpstreamAttempt => ({ ...failed, latencyMs: i }));
    const event = buildRequestEvent(record({ attempts: 21, attemptLog: log, pendingAttempt: { deployment: fallback, startedAtMs: ARRIVED_AT_MS }, statusCode: 200, latencyMs: 99 }), 'dp-1');
    expect(event.attempts).toBe(21);
    expect(event.attempt_log).toHaveLength(MAX_EVENT_ATTEMPTS);
    expect(event.attempt_log.slice(0, -1).map((a) => a.latency_ms)).toEqual(Array.from({ length: MAX_EVENT_ATTEMPTS - 1 }, (_, i) => i));
    expect(event.attempt_log.at(-1)).toEqual({ deployment_id: 'route-2', provider_id: 'prov-mock', upstream_model: 'mock-1', status: 200, latency_ms: 99, error_code: '' });
    expect(validateRequestEvent(event)).toEqual(event);
  });
});
