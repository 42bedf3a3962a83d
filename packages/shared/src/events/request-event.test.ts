import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REQUEST_EVENT_DOMAINS, domainProblem } from './column-domain.ts';
import { encodeRequestEvents } from './insert-request-events.ts';
import { decodeRequestEventRow, validateRequestEvent, type RequestEvent } from './request-event.ts';
import { testRequestEvent } from './test-request-event.ts';
import {
  REQUEST_EVENT_COLUMNS,
  REQUEST_EVENT_INSERT_COLUMNS,
  formatEventTime,
  requestEventsDDL,
} from './request-events-ddl.ts';

const sampleEvent: RequestEvent = testRequestEvent({
  request_id: 'req_0123456789abcdef0123456789abcdef',
  ts: '2026-11-24 01:02:03.456',
  org_id: 'org_default',
  team_id: 'team_1',
  key_id: 'key_1',
  provider_id: 'prov_1',
  prompt_tokens: 12,
  completion_tokens: 34,
  cost_micros: 22,
  pricing_rule_id: 'rule_1',
  pricing_rule_version: 1,
  snapshot_version: 7,
  latency_ms: 120,
  ttft_ms: 15,
  streamed: true,
  stream_end: 'done',
  dataplane_id: 'host-1',
});

describe('request events table', () => {
  it('derives the DDL and insert order from one column list', () => {
    const ddl = requestEventsDDL('relay');
    expect(ddl).toMatch(/^CREATE TABLE IF NOT EXISTS relay\.request_events\n\(/);
    for (const column of REQUEST_EVENT_COLUMNS) expect(ddl).toContain(`    ${column.name} ${column.type} COMMENT`);
    expect(ddl).toContain('ENGINE = ReplacingMergeTree(inserted_at)');
    expect(ddl).toContain('ORDER BY (org_id, project_id, toDate(ts), request_id)');
    expect(ddl).toContain('non_replicated_deduplication_window');
    expect(REQUEST_EVENT_INSERT_COLUMNS).toEqual(Object.keys(sampleEvent));
  });

  it('refuses database names that are not plain identifiers', () => {
    expect(() => requestEventsDDL('relay; DROP TABLE x')).toThrow(/identifier/);
  });

  it('formats times as DateTime64(3) in UTC', () => {
    expect(formatEventTime(Date.UTC(2026, 10, 24, 1, 2, 3, 4))).toBe('2026-11-24 01:02:03.004');
  });
});

describe('validateRequestEvent', () => {
  it('accepts a complete event', () => {
    expect(validateRequestEvent(sampleEvent)).toEqual(sampleEvent);
  });

  it('rejects missing, extra and mistyped fields', () => {
    const { alias: _omit, ...missing } = sampleEvent;
    expect(() => validateRequestEvent(missing)).toThrow();
    expect(() => validateRequestEvent({ ...sampleEvent, extra: 1 })).toThrow();
    expect(() => validateRequestEvent({ ...sampleEvent, cost_micros: 1.5 })).toThrow();
    expect(() => validateRequestEvent({ ...sampleEvent, ts: '2026-11-24T01:02:03Z' })).toThrow();
    expect(() => validateRequestEvent({ ...sampleEvent, prompt_tokens: -1 })).toThrow();
  });
});

describe('validateRequestEvent without copies (the ingest checks every event of every batch)', () => {
  const attempt = { deployment_id: 'dep_1', provider_id: 'prov_1', upstream_model: 'gpt-4o-mini', status: 200, latency_ms: 41, error_code: '' };

  it('hands back a complete event in its own shape as it is, and copies one that needs filling in or reordering', () => {
    const plain = { ...sampleEvent, attempt_log: [attempt] };
    expect(validateRequestEvent(plain)).toBe(plain);

    // attempt_log items with their fields in another order are rebuilt in tuple order: the batch
    // hash and the insert see one shape whatever order the sender wrote.
    const { error_code, deployment_id, ...rest } = attempt;
    const reordered = { ...sampleEvent, attempt_log: [{ error_code, ...rest, deployment_id }] };
    const normalised = validateRequestEvent(reordered);
    expect(normalised).not.toBe(reordered);
    expect(Object.keys(normalised.attempt_log[0]!)).toEqual(Object.keys(attempt));
    expect(encodeRequestEvents([normalised]).hash).toBe(encodeRequestEvents([plain]).hash);

    // An older writer's event without the later columns gets their defaults.
    const { cache_write_tokens: _a, cost_saved_micros: _b, ...older } = plain;
    expect(validateRequestEvent(older)).toEqual({ ...plain, cache_write_tokens: 0, cost_saved_micros: 0 });
  });

  it('judges a time exactly as the full check does, on the fast path for this century and off it', () => {
    const tsDomain = REQUEST_EVENT_DOMAINS.find((c) => c.name === 'ts')!.domain;
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    const times = fc.oneof(
      // Well-formed shapes with fields in and out of range (month 13, day 31 in a 30-day month, Feb 29 in leap and common years, hour 24, year 1899 or 2300).
      fc
        .tuple(fc.integer({ min: 1890, max: 2310 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 999 }))
        .map(([y, mo, d, h, mi, s, ms]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}`),
      // A valid time with one character replaced.
      fc.tuple(fc.date({ min: new Date(Date.UTC(1995, 0, 1)), max: new Date(Date.UTC(2105, 0, 1)), noInvalidDate: true }), fc.nat({ max: 22 }), fc.constantFrom('0', '9', '-', ':', ' ', '.', 'x', '٣')).map(([date, at, char]) => {
        const text = formatEventTime(date.getTime());
        return text.slice(0, at) + char + text.slice(at + 1);
      }),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(times, (ts) => {
        const fits = domainProblem(tsDomain, ts) === null;
        let accepted = true;
        try {
          validateRequestEvent({ ...sampleEvent, ts });
        } catch {
          accepted = false;
        }
        expect(accepted).toBe(fits);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('decodeRequestEventRow', () => {
  it('converts 64-bit integers answered as strings (ClickHouse server) and numbers (chDB)', () => {
    const fromServer = {
      ...sampleEvent,
      cost_micros: '22',
      snapshot_version: '7',
      streamed: true,
      inserted_at: '2026-11-24 01:02:04.000',
    };
    expect(decodeRequestEventRow(fromServer)).toEqual(sampleEvent);
    expect(decodeRequestEventRow({ ...sampleEvent, streamed: 1, ttft_ms: null })).toEqual({ ...sampleEvent, ttft_ms: null });
  });
});
