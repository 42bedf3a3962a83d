/** A `[from, to)` range typed in two `datetime-local` fields, as UTC instants; a blank edge is open. */
export type LocalRangeParse = { ok: true; from?: string; to?: string } | { ok: false; message: string };

/**
 * Turns two `datetime-local` values (the browser's local time, no zone) into ISO instants.
 * Refuses an unreadable time and a range that ends before it starts; blanks are left out.
 * @example localRangeOf('2025-01-01T10:00', '') // { ok: true, from: '2025-01-01T09:00:00.000Z' } in Europe/Berlin
 */
export function localRangeOf(from: string, to: string): LocalRangeParse {
  const range: { from?: string; to?: string } = {};
  for (const [edge, text] of [['from', from], ['to', to]] as const) {
    const value = text.trim();
    if (value === '') continue;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) return { ok: false, message: `The “${edge}” time is not a date and time.` };
    range[edge] = at.toISOString();
  }
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
    return { ok: false, message: 'The range ends before it starts.' };
  }
  return { ok: true, ...range };
}
