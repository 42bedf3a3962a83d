/** Timestamps arrive as the GraphQL `DateTime` scalar, an ISO-8601 string. */

/**
 * Formats an ISO timestamp as `YYYY-MM-DD HH:MM` in the given time zone (default: the
 * browser's), a fixed shape so table columns line up; null is an em dash.
 * @example formatDateTime('2025-01-02T03:04:05.000Z', 'UTC') === '2025-01-02 03:04'
 */
export function formatDateTime(iso: string | null | undefined, timeZone?: string): string {
  return formatInstant(iso, timeZone, false);
}

/**
 * Like {@link formatDateTime} with seconds, `YYYY-MM-DD HH:MM:SS`, for request logs where
 * several requests share a minute.
 * @example formatDateTimeSeconds('2025-01-02T03:04:05.678Z', 'UTC') === '2025-01-02 03:04:05'
 */
export function formatDateTimeSeconds(iso: string | null | undefined, timeZone?: string): string {
  return formatInstant(iso, timeZone, true);
}

function formatInstant(iso: string | null | undefined, timeZone: string | undefined, seconds: boolean): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not an ISO timestamp: ${JSON.stringify(iso)}`);
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const minutes = `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
  return seconds ? `${minutes}:${part('second')}` : minutes;
}
