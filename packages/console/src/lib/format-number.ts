/**
 * Counts (requests, tokens) arrive as the GraphQL `SafeInt` scalar, a JSON number below 2^53,
 * and latencies as nullable floats. Both are shown en-US grouped so they line up with money.
 */

const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const latencyFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Formats a whole count with thousands separators. @example formatCount(1234567) === '1,234,567' */
export function formatCount(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`Not a safe integer count: ${value}`);
  return countFormat.format(value);
}

/**
 * Formats a latency in milliseconds, rounded to the millisecond; null (no requests in the
 * group) is an em dash rather than "0 ms", which would claim a measurement.
 * @example formatLatencyMs(1234.4) === '1,234 ms'; formatLatencyMs(null) === '—'
 */
export function formatLatencyMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${latencyFormat.format(value)} ms`;
}
