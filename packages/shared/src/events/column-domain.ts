import { REQUEST_EVENT_COLUMNS, STRING_MAX_LENGTH } from './request-events-ddl.ts';

/**
 * The values one `request_events` column can hold exactly, derived from its ClickHouse type.
 * ClickHouse does not refuse an out-of-range number in JSONEachRow: it wraps it (status 70,000
 * lands as 4,464 in a UInt16), so every value is checked against this before an insert.
 */
export type ColumnDomain =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number; readonly nullable: boolean }
  | { readonly kind: 'string'; readonly maxLength: number; readonly values: readonly string[] | null }
  | { readonly kind: 'bool' }
  | { readonly kind: 'datetime'; readonly minMs: number; readonly maxMs: number }
  /** Array(Tuple(...)) with named elements: a list of objects with exactly those fields, each in its element's domain. */
  | { readonly kind: 'list'; readonly maxItems: number; readonly fields: ReadonlyArray<{ readonly name: string; readonly domain: ColumnDomain }> };

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
export function columnDomain(column: ColumnLike): ColumnDomain {
  if (column.items !== undefined) {
    if (column.maxItems === undefined) throw new Error(`request_events.${column.name}: a list column needs maxItems`);
    return { kind: 'list', maxItems: column.maxItems, fields: column.items.map((item) => ({ name: item.name, domain: columnDomain({ ...item, name: `${column.name}.${item.name}` }) })) };
  }
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

/** What {@link columnDomain} reads of a column (or of a tuple element) spec. */
interface ColumnLike {
  name: string;
  type: string;
  maxLength?: number;
  values?: readonly string[];
  items?: readonly ColumnLike[];
  maxItems?: number;
}

/**
 * Every column with its domain, in insert order: the one table the validator and its tests read.
 * `absent` is what an event without the column stands for (columns added after older data planes
 * shipped); undefined = the column is required.
 */
export const REQUEST_EVENT_DOMAINS: ReadonlyArray<{ readonly name: string; readonly type: string; readonly domain: ColumnDomain; readonly absent?: number | boolean | readonly never[] }> =
  REQUEST_EVENT_COLUMNS.map((column) => ({ name: column.name, type: column.type, domain: columnDomain(column), ...('absent' in column ? { absent: column.absent } : {}) }));

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
      // Checked field by field (Date.UTC would roll 2026-02-30 over to March), without a Date per event.
      if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return 'not a valid date and time';
      const epochMs = Date.UTC(y, mo - 1, d, h, mi, s, ms);
      if (epochMs < domain.minMs || epochMs > domain.maxMs) return 'outside DateTime64 range 1900-01-01..2299-12-31';
      return null;
    }
    case 'list':
      return listProblem(domain, value);
  }
}

/** Days in month `month` (1–12) of `year`, Gregorian. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Why `value` is not a list of `domain`'s items (naming the item and field: `[1].status: …`), or null. */
function listProblem(domain: Extract<ColumnDomain, { kind: 'list' }>, value: unknown): string | null {
  if (!Array.isArray(value)) return 'expected a list';
  if (value.length > domain.maxItems) return `more than ${domain.maxItems} items`;
  for (const [index, item] of value.entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return `[${index}]: expected an object`;
    const record = item as Record<string, unknown>;
    for (const field of domain.fields) {
      if (!Object.hasOwn(record, field.name)) return `[${index}].${field.name}: missing`;
      const problem = domainProblem(field.domain, record[field.name]);
      if (problem !== null) return `[${index}].${field.name}: ${problem}`;
    }
    const names = Object.keys(record);
    if (names.length !== domain.fields.length) {
      const extra = names.find((name) => !domain.fields.some((field) => field.name === name)) ?? '';
      return `[${index}].${extra.slice(0, 64)}: not a field`;
    }
  }
  return null;
}
