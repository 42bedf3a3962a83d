import { describe, expect, it } from 'vitest';
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
