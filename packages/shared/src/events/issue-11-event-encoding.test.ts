import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REQUEST_EVENT_DOMAINS, domainProblem } from './column-domain.ts';
import { encodeRequestEvents, requestEventsHash } from './insert-request-events.ts';
import { REQUEST_EVENT_COLUMNS, REQUEST_EVENT_INSERT_COLUMNS, formatEventTime } from './request-events-ddl.ts';
import { validateRequestEvent } from './request-event.ts';
import { testRequestEvent } from './test-request-event.ts';

/** What the hash was before the compact format: each event's values in column order, JSON, plus '\n'. */
function previousHash(events: ReadonlyArray<Record<string, unknown>>): string {
  const hash = createHash('sha256');
  for (const event of events) hash.update(`${JSON.stringify(REQUEST_EVENT_COLUMNS.map((c) => event[c.name]))}\n`);
  return hash.digest('hex');
}

const events = [
  testRequestEvent({ upstream_error_code: 'a\nb"c\\d\u2028é😀\t', ttft_ms: 12, streamed: true, stream_end: 'done' }),
  testRequestEvent({
    cost_micros: 1234,
    attempts: 2,
    attempt_log: [
      { deployment_id: 'r1', provider_id: 'p1', upstream_model: 'm1', status: 503, latency_ms: 40, error_code: 'upstream_error' },
      { deployment_id: 'r2', provider_id: 'p2', upstream_model: 'm2', status: 200, latency_ms: 400, error_code: '' },
    ],
  }),
];

/**
 * Issue 11, "compact events serialised once": the control plane encodes a batch once, as
 * JSONCompactEachRow rows whose bytes are both the ClickHouse insert body and the batch's
 * content hash; and event times are formatted and checked without a Date per event.
 */
describe('issue 11: events encoded once, compactly', () => {
  it('encodes one JSON array per event in insert column order, and hashes those bytes', () => {
    const encoded = encodeRequestEvents(events);
    const lines = encoded.body.toString('utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line))).toEqual(events.map((e) => REQUEST_EVENT_INSERT_COLUMNS.map((c) => (e as unknown as Record<string, unknown>)[c])));
    expect(encoded.count).toBe(2);
    expect(encoded.hash).toBe(createHash('sha256').update(encoded.body).digest('hex'));
  });

  it('keeps the content hash of earlier versions, so a batch retried across an upgrade still deduplicates', () => {
    const records = events as unknown as Array<Record<string, unknown>>;
    expect(encodeRequestEvents(events).hash).toBe(previousHash(records));
    expect(requestEventsHash(events)).toBe(previousHash(records));
    // Key order of a parsed event (the spool, the ingest) does not change it.
    const reordered = events.map((e) => validateRequestEvent(Object.fromEntries(Object.entries(e).reverse())));
    expect(encodeRequestEvents(reordered).hash).toBe(previousHash(records));
  });

  it('formats event times exactly as the ISO string does, across seconds, days and before 1970', () => {
    const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2299, 11, 31, 23, 59, 59, 999) }), (ms) => {
        expect(formatEventTime(ms)).toBe(iso(ms));
        // The same second again (the cached date part) and the next millisecond.
        expect(formatEventTime(ms + 1)).toBe(iso(ms + 1));
        expect(formatEventTime(ms)).toBe(iso(ms));
      }),
      { numRuns: 2_000 },
    );
    for (const ms of [0, -1, 999, 1000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2024, 2, 1)]) expect(formatEventTime(ms)).toBe(iso(ms));
    expect(formatEventTime(1_700_000_000_123.9)).toBe(iso(1_700_000_000_123));
    expect(() => formatEventTime(Number.NaN)).toThrow(RangeError);
  });

  it('accepts exactly the date-times that exist (the rule that round-tripped through a Date before)', () => {
    const domain = REQUEST_EVENT_DOMAINS.find((c) => c.name === 'ts')!.domain;
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    fc.assert(
      fc.property(
        fc.record({ y: fc.integer({ min: 1900, max: 2299 }), mo: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }), h: fc.integer({ min: 0, max: 24 }), mi: fc.integer({ min: 0, max: 60 }), s: fc.integer({ min: 0, max: 60 }), ms: fc.integer({ min: 0, max: 999 }) }),
        ({ y, mo, d, h, mi, s, ms }) => {
          const text = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}`;
          // The previous rule: the fields, through Date.UTC (which rolls 02-30 over to March), format back to the text.
          const exists = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms)).toISOString().replace('T', ' ').slice(0, 23) === text;
          expect(domainProblem(domain, text) === null).toBe(exists);
        },
      ),
      { numRuns: 3_000 },
    );
    expect(domainProblem(domain, '2024-02-29 00:00:00.000')).toBeNull();
    expect(domainProblem(domain, '2023-02-29 00:00:00.000')).toBe('not a valid date and time');
    expect(domainProblem(domain, '2100-02-29 00:00:00.000')).toBe('not a valid date and time');
    expect(domainProblem(domain, '2000-02-29 00:00:00.000')).toBeNull();
  });
});
