/** The time zone charts are bucketed in and times are shown in: the browser's, UTC, or any IANA zone. */

/** The browser's own zone (`Europe/Berlin`); UTC when the runtime does not say. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

/** True for a zone name this runtime knows (so a link cannot ask the server for a junk zone). */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value === '' || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Zones to offer: the browser's and UTC first, then every zone the runtime lists. */
export function timeZoneChoices(): string[] {
  const listed = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([browserTimeZone(), 'UTC', ...listed])];
}
