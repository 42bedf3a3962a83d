/** A remote parent from a W3C `traceparent` header. */
export interface TraceParent {
  /** 32 lowercase hex digits, never all zeros. */
  traceId: string;
  /** 16 lowercase hex digits, never all zeros. */
  spanId: string;
  /** The trace-flags byte (bit 0: the caller sampled this trace). */
  flags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * Parses a `traceparent` header per W3C Trace Context §3.2
 * (https://www.w3.org/TR/trace-context/#traceparent-header): version 00 exactly, later versions
 * by their first four fields; version ff, all-zero ids and anything malformed give null, and the
 * request then starts a trace of its own.
 */
export function parseTraceparent(header: string): TraceParent | null {
  if (header.length < 55 || header.length > 512) return null;
  const match = TRACEPARENT.exec(header);
  if (match === null) return null;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return null;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

/** The `traceparent` header naming `spanId` of `traceId` as the parent (version 00). */
export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, '0')}`;
}
