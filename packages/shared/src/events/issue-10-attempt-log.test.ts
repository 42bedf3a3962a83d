import { describe, expect, it } from 'vitest';
import { MAX_EVENT_ATTEMPTS, type EventAttempt } from './event-attempts.ts';
import { decodeRequestEventRow, validateRequestEvent } from './request-event.ts';
import { requestEventsAddColumns } from './request-events-ddl.ts';
import { testRequestEvent } from './test-request-event.ts';

/**
 * Issues 9 and 10: the event contract's `attempt_log`, bounded, typed, and backward compatible
 * with the events of data planes from before it (their disk spools and ingest batches).
 */

const attempt: EventAttempt = { deployment_id: 'route-1', provider_id: 'prov-1', upstream_model: 'm-1', status: 500, latency_ms: 12, error_code: 'upstream_error' };

describe('issue 10: attempt_log in the event contract', () => {
  it('an event without it (an older data plane) validates, as no attempts', () => {
    const { attempt_log: _absent, ...old } = testRequestEvent();
    expect(validateRequestEvent(old)).toEqual({ ...old, attempt_log: [] });
    expect(decodeRequestEventRow(old).attempt_log).toEqual([]);
  });

  it(`takes up to ${MAX_EVENT_ATTEMPTS} attempts, each with exactly its six fields, and refuses more`, () => {
    const full = testRequestEvent({ attempt_log: Array.from({ length: MAX_EVENT_ATTEMPTS }, () => attempt) });
    expect(validateRequestEvent(full)).toEqual(full);
    expect(() => validateRequestEvent({ ...full, attempt_log: [...full.attempt_log, attempt] })).toThrow(`attempt_log: more than ${MAX_EVENT_ATTEMPTS} items`);
    expect(() => validateRequestEvent(testRequestEvent({ attempt_log: [attempt, { ...attempt, status: 70_000 }] }))).toThrow('attempt_log: [1].status: 70000 is outside 0..65535');
    const { error_code: _missing, ...partial } = attempt;
    expect(() => validateRequestEvent(testRequestEvent({ attempt_log: [partial as EventAttempt] }))).toThrow('attempt_log: [0].error_code: missing');
    expect(() => validateRequestEvent(testRequestEvent({ attempt_log: [{ ...attempt, body: 'x' } as EventAttempt] }))).toThrow('attempt_log: [0].body: not a field');
    expect(() => validateRequestEvent({ ...testRequestEvent(), attempt_log: null })).toThrow('attempt_log: expected a list');
  });

  it('rebuilds each attempt in tuple order, and decodes integers a server sends as strings', () => {
    const shuffled = { error_code: '', latency_ms: 3, status: 200, upstream_model: 'm', provider_id: 'p', deployment_id: 'd' };
    const ordered = validateRequestEvent(testRequestEvent({ attempt_log: [shuffled] })).attempt_log[0]!;
    expect(Object.keys(ordered)).toEqual(['deployment_id', 'provider_id', 'upstream_model', 'status', 'latency_ms', 'error_code']);
    const row = { ...testRequestEvent({ attempt_log: [attempt] }), attempt_log: [{ ...attempt, status: '500', latency_ms: '12' }] };
    expect(decodeRequestEventRow(row).attempt_log).toEqual([attempt]);
  });

  it('migration 0006 adds it as a typed Array(Tuple) column, [] for the rows already stored', () => {
    expect(requestEventsAddColumns('relay', ['attempt_log'])).toEqual([
      expect.stringMatching(
        /^ALTER TABLE relay\.request_events ADD COLUMN IF NOT EXISTS attempt_log Array\(Tuple\(deployment_id String, provider_id LowCardinality\(String\), upstream_model LowCardinality\(String\), status UInt16, latency_ms UInt32, error_code LowCardinality\(String\)\)\) COMMENT /,
      ),
    ]);
  });
});
