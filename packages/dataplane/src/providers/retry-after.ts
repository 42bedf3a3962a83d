/** The longest wait passed on from an upstream's `retry-after`: beyond it the figure is not believable. */
export const RETRY_AFTER_MAX_SECONDS = 3_600;

/**
 * Reads an upstream's `retry-after` header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date)
 * as whole seconds to pass on to the client, so an SDK backs off as long as the provider asked.
 * Null when absent, unreadable or in the past.
 */
export function parseRetryAfterSeconds(header: string | string[] | undefined, nowMs: number = Date.now()): number | null {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.min(Math.ceil(Number(value)), RETRY_AFTER_MAX_SECONDS);
  const at = Date.parse(value);
  if (Number.isNaN(at) || at <= nowMs) return null;
  return Math.min(Math.ceil((at - nowMs) / 1000), RETRY_AFTER_MAX_SECONDS);
}
