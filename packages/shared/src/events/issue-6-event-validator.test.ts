import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REQUEST_EVENT_DOMAINS, type ColumnDomain } from './column-domain.ts';
import { EventValidationError, decodeRequestEventRow, validateRequestEvent } from './request-event.ts';
import { formatEventTime } from './request-events-ddl.ts';
import { testRequestEvent } from './test-request-event.ts';

/**
 * Issue 6, item 8: the ingest took values ClickHouse cannot hold (status 70,000 in a UInt16,
 * 2^40 tokens in a UInt32) and ClickHouse wrapped them silently. The validator now checks
 * every column against the range of its ClickHouse type. Properties, per column: any value
 * inside the range is accepted and survives the trip through ClickHouse's JSON and the
 * decoder; any value outside is refused, naming the column.
 */

/** Values a column can hold. */
function inside(domain: ColumnDomain): fc.Arbitrary<unknown> {
  switch (domain.kind) {
    case 'integer': {
      const ints = fc.oneof(fc.integer({ min: domain.min, max: domain.max }), fc.constantFrom(domain.min, domain.max));
      return domain.nullable ? fc.option(ints, { nil: null }) : ints;
    }
    case 'string':
      return domain.values !== null ? fc.constantFrom(...domain.values) : fc.string({ maxLength: domain.maxLength, unit: 'grapheme-ascii' });
    case 'bool':
      return fc.boolean();
    case 'datetime':
      return fc.integer({ min: domain.minMs, max: domain.maxMs }).map(formatEventTime);
    case 'list':
      return fc.array(item(domain), { maxLength: domain.maxItems });
  }
}

/** One item of a list column, every field inside its domain. */
function item(domain: Extract<ColumnDomain, { kind: 'list' }>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(domain.fields.map((field) => [field.name, inside(field.domain)])));
}

/** Values a column cannot hold (or that would not round-trip). */
function outside(domain: ColumnDomain): fc.Arbitrary<unknown> {
  const wrongType = fc.constantFrom<unknown>(undefined, {}, [], '1', true, Number.NaN);
  switch (domain.kind) {
    case 'integer': {
      const out: Array<fc.Arbitrary<unknown>> = [
        wrongType,
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Number.isInteger(v)),
        fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
      ];
      if (domain.max < Number.MAX_SAFE_INTEGER) out.push(fc.integer({ min: domain.max + 1, max: Number.MAX_SAFE_INTEGER }));
      else out.push(fc.constantFrom(2 ** 53, 2 ** 64));
      if (domain.min > Number.MIN_SAFE_INTEGER) out.push(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: domain.min - 1 }));
      else out.push(fc.constantFrom(-(2 ** 53), -(2 ** 63)));
      if (!domain.nullable) out.push(fc.constant(null));
      return fc.oneof(...out);
    }
    case 'string':
      return fc.oneof(
        fc.constantFrom<unknown>(null, 1, true, {}, []),
        domain.values !== null
          ? fc.string({ maxLength: 20 }).filter((v) => !domain.values!.includes(v))
          : fc.string({ minLength: domain.maxLength + 1, maxLength: domain.maxLength + 50, unit: 'grapheme-ascii' }),
      );
    case 'bool':
      return fc.constantFrom<unknown>(0, 1, 'true', 'false', null, undefined);
    case 'datetime':
      return fc.oneof(
        fc.integer({ min: Date.UTC(1000, 0, 1), max: domain.minMs - 1 }).map(formatEventTime),
        fc.integer({ min: domain.maxMs + 1, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }).map(formatEventTime),
        fc.integer({ min: domain.minMs, max: domain.maxMs }).map((ms) => new Date(ms).toISOString()),
        fc.constantFrom<unknown>('2026-02-30 00:00:00.000', '2026-13-01 00:00:00.000', '2026-01-01 24:00:00.000', '2026-01-01 00:00:60.000', '2026-01-01 00:00:00', 1_700_000_000_000, null),
      );
    case 'list': {
      // One item spoilt (a field outside its domain, missing, or one too many), or too many items.
      const spoilt = fc.oneof(
        ...domain.fields.map((field) => fc.tuple(item(domain), outside(field.domain)).map(([good, bad]) => ({ ...good, [field.name]: bad }))),
        ...domain.fields.map((field) => item(domain).map(({ [field.name]: _dropped, ...rest }) => rest)),
        item(domain).map((good) => ({ ...good, extra: 1 })),
        fc.constantFrom<unknown>(null, 1, 'attempt', []),
      );
      return fc.oneof(
        fc.constantFrom<unknown>(null, 1, '[]', {}, true),
        fc.tuple(fc.array(item(domain), { maxLength: 3 }), spoilt, fc.array(item(domain), { maxLength: 3 })).map(([before, bad, after]) => [...before, bad, ...after]),
        fc.array(item(domain), { minLength: domain.maxItems + 1, maxLength: domain.maxItems + 4 }),
      );
    }
  }
}

/** What ClickHouse answers for a value in JSON: 64-bit integers as strings (server), Bool as true. */
function asClickHouseServerReturns(type: string, value: unknown): unknown {
  if (value !== null && (type === 'UInt64' || type === 'Int64')) return String(value);
  return value;
}

describe('issue 6: every event value is checked against its column’s ClickHouse range', () => {
  for (const { name, type, domain } of REQUEST_EVENT_DOMAINS) {
    it(`${name} (${type}): any value inside the range is accepted and round-trips through the decoder`, () => {
      fc.assert(
        fc.property(inside(domain), (value) => {
          const event = testRequestEvent({ [name]: value });
          expect(validateRequestEvent(event)).toEqual(event);
          expect(decodeRequestEventRow({ ...event, [name]: asClickHouseServerReturns(type, value), inserted_at: '2026-01-01 00:00:00.000' })).toEqual(event);
        }),
        { numRuns: 200 },
      );
    });

    it(`${name} (${type}): any value outside the range is refused, naming the column`, () => {
      fc.assert(
        fc.property(outside(domain), (value) => {
          const event = { ...testRequestEvent(), [name]: value };
          let refused: unknown = null;
          try {
            validateRequestEvent(event);
          } catch (err) {
            refused = err;
          }
          expect(refused).toBeInstanceOf(EventValidationError);
          expect((refused as EventValidationError).field).toBe(name);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('refuses a missing column, an extra field and a non-object', () => {
    const { alias: _alias, ...missing } = testRequestEvent();
    expect(() => validateRequestEvent(missing)).toThrow(/alias: missing/);
    expect(() => validateRequestEvent({ ...testRequestEvent(), extra: 1 })).toThrow(/extra: not a column/);
    for (const value of [null, 'event', 1, []]) expect(() => validateRequestEvent(value)).toThrow(EventValidationError);
  });

  /**
   * Inputs that were accepted before (the corpus of the bug reports and of shrunk property
   * failures), kept as explicit examples so they are checked on every run.
   */
  const refusedCorpus: Array<[string, unknown]> = [
    ['status_code', 70_000],
    ['prompt_tokens', 2 ** 40],
    ['completion_tokens', 4_294_967_296],
    ['attempts', 256],
    ['event_version', 65_536],
    ['pricing_rule_version', -1],
    ['latency_ms', 2 ** 32],
    ['ttft_ms', 2 ** 32],
    ['ttft_ms', -1],
    ['snapshot_version', 2 ** 53],
    ['cost_micros', 2 ** 53],
    ['cost_micros', 1.5],
    ['ts', '2026-02-30 00:00:00.000'],
    ['ts', '1899-12-31 23:59:59.999'],
    ['ts', '2300-01-01 00:00:00.000'],
    ['stream_end', 'DONE'],
    ['usage_source', 'guess'],
    ['request_id', 'x'.repeat(129)],
    ['finish_reason', 'y'.repeat(65)],
    ['alias', 'm'.repeat(257)],
  ];
  it.each(refusedCorpus)('refuses %s = %s', (name, value) => {
    expect(() => validateRequestEvent({ ...testRequestEvent(), [name]: value })).toThrow(new RegExp(`^${name}: `));
  });

  const acceptedCorpus: Array<[string, unknown]> = [
    ['status_code', 65_535],
    ['attempts', 255],
    ['prompt_tokens', 4_294_967_295],
    ['ttft_ms', null],
    ['cost_micros', -(2 ** 53 - 1)],
    ['snapshot_version', Number.MAX_SAFE_INTEGER],
    ['ts', '1900-01-01 00:00:00.000'],
    ['ts', '2299-12-31 23:59:59.999'],
    ['ts', '2024-02-29 12:00:00.000'],
    ['stream_end', ''],
    ['request_id', 'x'.repeat(128)],
  ];
  it.each(acceptedCorpus)('accepts %s = %s', (name, value) => {
    const event = testRequestEvent({ [name]: value });
    expect(validateRequestEvent(event)).toEqual(event);
  });
});
