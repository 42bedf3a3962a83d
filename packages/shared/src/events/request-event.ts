import { z } from 'zod';
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

const UINT32_MAX = 4_294_967_295;

const kindSchemas = {
  string: z.string().max(4096),
  uint: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  int64: z.int(),
  bool: z.boolean(),
  datetime: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/),
  nullable_uint: z.int().min(0).max(UINT32_MAX).nullable(),
} as const;

const eventSchema = z.strictObject(
  Object.fromEntries(REQUEST_EVENT_COLUMNS.map((c) => [c.name, kindSchemas[c.kind]])) as Record<
    string,
    z.ZodType
  >,
);

/**
 * Checks that a value is a complete, well-typed event (every column present, nothing extra).
 * Used where events cross a process boundary (the control plane's ingest endpoint, the disk
 * spool) and in tests; the data plane builds events with the type checker's help instead.
 */
export function validateRequestEvent(value: unknown): RequestEvent {
  return eventSchema.parse(value) as RequestEvent;
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
