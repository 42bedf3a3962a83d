import { REQUEST_EVENT_DOMAINS, daysInMonth, domainProblem, type ColumnDomain } from './column-domain.ts';
import { REQUEST_EVENT_COLUMNS, type RequestEventRow } from './request-events-ddl.ts';

/**
 * Version of the event shape. Bump it when a column changes meaning; readers branch on it.
 * Adding a column with a default does not need a bump.
 */
export const EVENT_VERSION = 1;

/** One event per request, written by the data plane, read by analytics and the ledger. */
export type RequestEvent = RequestEventRow;

/** Where the token counts of an event came from. */
export type UsageSource = 'provider' | 'estimate' | 'none';

/** How a streamed response ended. `''` for responses that were not streamed. */
export type StreamEnd = 'done' | 'error' | 'client_abort' | '';

/** Why an event was refused: the first field that does not fit its column, for a 400 that names it. */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';
  constructor(
    /** Column name, or '' when the value is not an object at all. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(field === '' ? problem : `${field}: ${problem}`);
  }
}

const COLUMN_NAMES = new Set(REQUEST_EVENT_DOMAINS.map((c) => c.name));

/** A column's check: null when the value fits; the same message as domainProblem when not. */
type ColumnCheck = (value: unknown) => string | null;

/**
 * Each column with a check compiled from its domain: the common case (the value fits) is a few
 * typeof and range tests; only a value that does not fit goes through domainProblem, for the
 * exact message. The ingest checks every event of every batch, so this is on its hot path.
 */
const COMPILED_COLUMNS = REQUEST_EVENT_DOMAINS.map(({ name, domain, absent }) => {
  const check = compileCheck(domain);
  return {
    name,
    absent,
    listFields: domain.kind === 'list' ? domain.fields : null,
    check,
    /** The value fits and can be stored as it is: for a list, its items also have their fields in tuple order. */
    asIs: domain.kind === 'list' ? compilePlainList(domain) : (value: unknown) => check(value) === null,
  };
});

function compileCheck(domain: ColumnDomain): ColumnCheck {
  const slow: ColumnCheck = (value) => domainProblem(domain, value);
  switch (domain.kind) {
    case 'integer': {
      const { min, max, nullable } = domain;
      return (value) => ((typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) || (nullable && value === null) ? null : slow(value));
    }
    case 'string': {
      const { maxLength } = domain;
      const values = domain.values === null ? null : new Set(domain.values);
      return (value) => (typeof value === 'string' && value.length <= maxLength && (values === null || values.has(value)) ? null : slow(value));
    }
    case 'bool':
      return (value) => (typeof value === 'boolean' ? null : slow(value));
    case 'datetime':
      // A time this century, read digit by digit; anything else (other centuries, bad shapes) gets the full check.
      return (value) => (typeof value === 'string' && isPlainRecentTime(value) ? null : slow(value));
    // A list is taken as it is through `asIs` (compilePlainList); only a list to normalise or
    // refuse comes here, and the full check names its item and field.
    default:
      return slow;
  }
}

/** True for a list whose items each have exactly the tuple's fields, in tuple order, each fitting. */
function compilePlainList(domain: Extract<ColumnDomain, { kind: 'list' }>): (value: unknown) => boolean {
  const fields = domain.fields.map(({ name, domain: itemDomain }) => ({ name, check: compileCheck(itemDomain) }));
  const { maxItems } = domain;
  return (value) => Array.isArray(value) && value.length <= maxItems && value.every((item) => isPlainItem(item, fields));
}

/**
 * `YYYY-MM-DD hh:mm:ss.sss` with a year 2000–2099 and fields in range: what every data plane
 * writes. Equivalent to domainProblem's check for these years (they are inside DateTime64's range)
 * without a regex match or a Date per event.
 */
function isPlainRecentTime(value: string): boolean {
  if (value.length !== 23 || value.charCodeAt(0) !== 50 || value.charCodeAt(1) !== 48) return false;
  for (let i = 2; i < 23; i++) {
    const code = value.charCodeAt(i);
    const separator = i === 4 || i === 7 ? 45 : i === 10 ? 32 : i === 13 || i === 16 ? 58 : i === 19 ? 46 : 0;
    if (separator !== 0 ? code !== separator : code < 48 || code > 57) return false;
  }
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(2000 + twoDigits(value, 2), month) && twoDigits(value, 11) <= 23 && twoDigits(value, 14) <= 59 && twoDigits(value, 17) <= 59;
}

/** The number written by the two ASCII digits at `at`. */
function twoDigits(value: string, at: number): number {
  return (value.charCodeAt(at) - 48) * 10 + value.charCodeAt(at + 1) - 48;
}

/** A list item with exactly its tuple's fields, in tuple order, each fitting: usable as it is. */
function isPlainItem(item: unknown, fields: ReadonlyArray<{ name: string; check: ColumnCheck }>): boolean {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return false;
  const record = item as Record<string, unknown>;
  let i = 0;
  for (const name in record) {
    const field = fields[i++];
    if (field === undefined || field.name !== name || field.check(record[name]) !== null) return false;
  }
  return i === fields.length;
}

/**
 * Checks that a value is a complete event whose every value fits its column's real ClickHouse
 * range (column-domain.ts derives the ranges from the column types): every column present,
 * nothing extra. Used where events cross a process boundary (the control plane's ingest
 * endpoint, the disk spool, the data plane's ClickHouse sink) and in tests.
 * @throws EventValidationError naming the first field that does not fit.
 */
export function validateRequestEvent(value: unknown): RequestEvent {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new EventValidationError('', 'expected an object');
  const record = value as Record<string, unknown>;
  // Every event of every ingest batch comes through here. The usual one (every column, nothing
  // else, attempt_log items already in tuple order) is returned as it is: no copy of 38 fields.
  let present = 0;
  let asIs = true;
  for (const column of COMPILED_COLUMNS) {
    const given = record[column.name];
    if (given === undefined && !Object.hasOwn(record, column.name)) {
      asIs = false;
      continue;
    }
    present++;
    if (asIs && !column.asIs(given)) asIs = false;
  }
  let keys = 0;
  for (const _name in record) keys++;
  if (asIs && keys === present) return record as RequestEvent;
  return normalisedEvent(record, present, keys);
}

/** The event with absent columns filled in and list items rebuilt in tuple order; throws at the first field that does not fit. */
function normalisedEvent(record: Record<string, unknown>, present: number, keys: number): RequestEvent {
  const out: Record<string, unknown> = {};
  for (const { name, absent, listFields, check } of COMPILED_COLUMNS) {
    const given = record[name];
    if (given === undefined && !Object.hasOwn(record, name)) {
      if (absent === undefined) throw new EventValidationError(name, 'missing');
      out[name] = absent;
      continue;
    }
    const problem = check(given);
    if (problem !== null) throw new EventValidationError(name, problem);
    // A list's items are rebuilt with their fields in tuple order (and nothing else), so the
    // batch hash and the insert see one shape whatever order the sender wrote.
    out[name] = listFields === null ? given : (given as Array<Record<string, unknown>>).map((item) => pick(item, listFields));
  }
  if (keys !== present) {
    for (const name in record) {
      if (!COLUMN_NAMES.has(name)) throw new EventValidationError(name.slice(0, 64), 'not a column of request_events');
    }
  }
  return out as RequestEvent;
}

/** One `attempt_log` item as ClickHouse answered it: its integers may come as strings. */
function decodeAttempt(item: unknown): unknown {
  if (item === null || typeof item !== 'object') return item;
  const attempt = item as Record<string, unknown>;
  return { ...attempt, status: toNumber(attempt.status), latency_ms: toNumber(attempt.latency_ms) };
}

function toNumber(value: unknown): unknown {
  return typeof value === 'string' ? Number(value) : value;
}

/**
 * Decodes a row read back from ClickHouse. Real ClickHouse answers 64-bit integers as JSON
 * strings (output_format_json_quote_64bit_integers), chDB may answer numbers: this is the one
 * place that converts them.
 */
export function decodeRequestEventRow(row: Record<string, unknown>): RequestEvent {
  const out: Record<string, unknown> = {};
  for (const column of REQUEST_EVENT_COLUMNS) {
    const value = row[column.name];
    // A column the query did not read (or a table from before it) stands for its `absent` value.
    if (value === undefined && 'absent' in column) continue;
    out[column.name] = decodeValue(column.kind, value);
  }
  return validateRequestEvent(out);
}

function pick(item: Record<string, unknown>, fields: ReadonlyArray<{ readonly name: string }>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { name } of fields) out[name] = item[name];
  return out;
}

function decodeValue(kind: (typeof REQUEST_EVENT_COLUMNS)[number]['kind'], value: unknown): unknown {
  switch (kind) {
    case 'uint':
    case 'int64':
      return typeof value === 'string' ? Number(value) : value;
    case 'nullable_uint':
      return value === null || value === undefined ? null : Number(value);
    case 'bool':
      return value === true || value === 1 || value === 'true';
    case 'attempts':
      return Array.isArray(value) ? value.map(decodeAttempt) : value;
    default:
      return value;
  }
}
