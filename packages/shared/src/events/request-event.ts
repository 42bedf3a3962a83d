import { REQUEST_EVENT_DOMAINS, domainProblem } from './column-domain.ts';
import { REQUEST_EVENT_COLUMNS, REQUEST_EVENT_COLUMNS_ADDED_IN_0005, type RequestEventRow } from './request-events-ddl.ts';

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

/** What an event from a writer older than migration 0005 means by the columns it lacks. */
const DEFAULTS_0005: Readonly<Record<(typeof REQUEST_EVENT_COLUMNS_ADDED_IN_0005)[number], unknown>> = { cost_saved_micros: 0, cache_hit: false };

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
  for (const { name, domain } of REQUEST_EVENT_DOMAINS) {
    // Spooled or in-flight events of a data plane older than 0005 are still complete events.
    if (!Object.hasOwn(record, name) && !Object.hasOwn(DEFAULTS_0005, name)) throw new EventValidationError(name, 'missing');
    const problem = domainProblem(domain, Object.hasOwn(record, name) ? record[name] : DEFAULTS_0005[name as keyof typeof DEFAULTS_0005]);
    if (problem !== null) throw new EventValidationError(name, problem);
  }
  for (const name in record) {
    if (!COLUMN_NAMES.has(name)) throw new EventValidationError(name.slice(0, 64), 'not a column of request_events');
  }
  const out: Record<string, unknown> = {};
  for (const { name } of REQUEST_EVENT_DOMAINS) out[name] = Object.hasOwn(record, name) ? record[name] : DEFAULTS_0005[name as keyof typeof DEFAULTS_0005];
  return out as RequestEvent;
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
    out[column.name] = decodeValue(column.kind, value);
  }
  return validateRequestEvent(out);
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
    default:
      return value;
  }
}
