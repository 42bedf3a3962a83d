import { REQUEST_EVENT_COLUMNS, STRING_MAX_LENGTH, formatEventTime } from './request-events-ddl.ts';

/**
 * The values one `request_events` column can hold exactly, derived from its ClickHouse type.
 * ClickHouse does not refuse an out-of-range number in JSONEachRow: it wraps it (status 70,000
 * lands as 4,464 in a UInt16), so every value is checked against this before an insert.
 */
export type ColumnDomain =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number; readonly nullable: boolean }
  | { readonly kind: 'string'; readonly maxLength: number; readonly values: readonly string[] | null }
  | { readonly kind: 'bool' }
  | { readonly kind: 'datetime'; readonly minMs: number; readonly maxMs: number };

/**
 * 64-bit columns are numbers in TypeScript, so their range is cut to the safe integers: beyond
 * 2^53 a value no longer round-trips through JSON and the decoder (9007199254740993 reads back
 * as …992). ClickHouse could hold more; no event needs it.
 */
const INTEGER_RANGES: Record<string, { min: number; max: number }> = {
  UInt8: { min: 0, max: 255 },
  UInt16: { min: 0, max: 65_535 },
  UInt32: { min: 0, max: 4_294_967_295 },
  UInt64: { min: 0, max: Number.MAX_SAFE_INTEGER },
  Int64: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
};

/** DateTime64's supported range (ClickHouse docs: [1900-01-01 00:00:00, 2299-12-31 23:59:59.99999999]). */
const DATETIME64_MIN_MS = Date.UTC(1900, 0, 1);
const DATETIME64_MAX_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

/** Maps one column's ClickHouse type to its domain; an unknown type fails at module load, so a new column cannot go unchecked. */
export function columnDomain(column: { name: string; type: string; maxLength?: number; values?: readonly string[] }): ColumnDomain {
  const nullable = /^Nullable\((.+)\)$/.exec(column.type);
  const inner = nullable?.[1] ?? column.type;
  const range = INTEGER_RANGES[inner];
  if (range !== undefined) return { kind: 'integer', ...range, nullable: nullable !== null };
  if (nullable !== null) throw new Error(`request_events.${column.name}: no validator for ${column.type}`);
  if (inner === 'String' || inner === 'LowCardinality(String)') {
    return { kind: 'string', maxLength: column.maxLength ?? STRING_MAX_LENGTH, values: column.values ?? null };
  }
  if (inner === 'Bool') return { kind: 'bool' };
  if (inner === "DateTime64(3, 'UTC')") return { kind: 'datetime', minMs: DATETIME64_MIN_MS, maxMs: DATETIME64_MAX_MS };
  throw new Error(`request_events.${column.name}: no validator for ${column.type}`);
}

/** Every column with its domain, in insert order: the one table the validator and its tests read. */
export const REQUEST_EVENT_DOMAINS: ReadonlyArray<{ readonly name: string; readonly type: string; readonly domain: ColumnDomain }> =
  REQUEST_EVENT_COLUMNS.map((column) => ({ name: column.name, type: column.type, domain: columnDomain(column) }));

const DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})$/;

/** Why `value` does not fit `domain`, or null when it does. */
export function domainProblem(domain: ColumnDomain, value: unknown): string | null {
  switch (domain.kind) {
    case 'integer':
      if (value === null && domain.nullable) return null;
      if (typeof value !== 'number' || !Number.isInteger(value)) return `expected an integer${domain.nullable ? ' or null' : ''}`;
      if (value < domain.min || value > domain.max) return `${value} is outside ${domain.min}..${domain.max}`;
      return null;
    case 'string':
      if (typeof value !== 'string') return 'expected a string';
      if (value.length > domain.maxLength) return `longer than ${domain.maxLength} characters`;
      if (domain.values !== null && !domain.values.includes(value)) return `expected one of ${domain.values.map((v) => JSON.stringify(v)).join(', ')}`;
      return null;
    case 'bool':
      return typeof value === 'boolean' ? null : 'expected true or false';
    case 'datetime': {
      if (typeof value !== 'string') return "expected 'YYYY-MM-DD hh:mm:ss.sss' (UTC)";
      const parts = DATETIME.exec(value);
      if (parts === null) return "expected 'YYYY-MM-DD hh:mm:ss.sss' (UTC)";
      const [, y, mo, d, h, mi, s, ms] = parts.map(Number) as [number, number, number, number, number, number, number, number];
      const epochMs = Date.UTC(y, mo - 1, d, h, mi, s, ms);
      // Date.UTC rolls 2026-02-30 over to March: a value that does not format back is not a date.
      if (y < 100 || formatEventTime(epochMs) !== value) return 'not a valid date and time';
      if (epochMs < domain.minMs || epochMs > domain.maxMs) return 'outside DateTime64 range 1900-01-01..2299-12-31';
      return null;
    }
  }
}
