/**
 * Budget windows: calendar days, ISO weeks (from Monday) and months in an organisation's time
 * zone, or the whole lifetime. A window starts at local midnight and ends at the next window's
 * start, so on a DST change a day is 23 or 25 hours long and still resets exactly at midnight.
 *
 * Built on Intl (full ICU ships with Node) rather than a date library: it needs only "what is
 * the local calendar date at this instant" and "which instant is local midnight of that date",
 * and both are a few lines over `Intl.DateTimeFormat#formatToParts`.
 */

export type BudgetPeriod = 'day' | 'week' | 'month' | 'lifetime';

/** A window as epoch milliseconds: [start, end); end is null for lifetime. */
export interface BudgetWindow {
  start: number;
  end: number | null;
}

/** The lifetime window: from the epoch, never ending. */
export const LIFETIME_WINDOW: BudgetWindow = { start: 0, end: null };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `timeZone` is an IANA zone this runtime knows (e.g. `Europe/Berlin`, `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localTimeAt(epochMs: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** The zone's offset from UTC at `epochMs`, in ms (local = UTC + offset). Whole seconds only. */
function offsetAt(epochMs: number, timeZone: string): number {
  const t = localTimeAt(epochMs, timeZone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The first instant of local date year-month-day in `timeZone`: local midnight, or, where a DST
 * gap skips midnight (some zones switch at 00:00), the first local time that exists that day.
 */
export function startOfLocalDay(year: number, month: number, day: number, timeZone: string): number {
  const wallMidnight = Date.UTC(year, month - 1, day);
  // Try the offsets in force just before and just after: one of them maps midnight correctly.
  const candidates = [wallMidnight - offsetAt(wallMidnight - 86_400_000, timeZone), wallMidnight - offsetAt(wallMidnight + 86_400_000, timeZone)];
  const exact = candidates.filter((t) => {
    const local = localTimeAt(t, timeZone);
    return local.year === year && local.month === month && local.day === day && local.hour === 0 && local.minute === 0 && local.second === 0;
  });
  if (exact.length > 0) return Math.min(...exact);
  // Midnight does not exist (a gap): the day starts when the gap ends, the later candidate mapped forward.
  return Math.max(...candidates);
}

/** Local calendar date at `epochMs` with its ISO weekday (1 = Monday … 7 = Sunday). */
function localDateAt(epochMs: number, timeZone: string): { year: number; month: number; day: number; isoWeekday: number } {
  const t = localTimeAt(epochMs, timeZone);
  const weekday = new Date(Date.UTC(t.year, t.month - 1, t.day)).getUTCDay();
  return { year: t.year, month: t.month, day: t.day, isoWeekday: weekday === 0 ? 7 : weekday };
}

/** Calendar arithmetic on dates (no zone): the date `days` after year-month-day. */
function addDays(year: number, month: number, day: number, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The window of `period` that contains `epochMs` in `timeZone`.
 * @throws RangeError for an unknown time zone.
 */
export function budgetWindow(period: BudgetPeriod, timeZone: string, epochMs: number): BudgetWindow {
  if (period === 'lifetime') return LIFETIME_WINDOW;
  const today = localDateAt(epochMs, timeZone);
  let first: { year: number; month: number; day: number };
  let next: { year: number; month: number; day: number };
  if (period === 'day') {
    first = today;
    next = addDays(today.year, today.month, today.day, 1);
  } else if (period === 'week') {
    first = addDays(today.year, today.month, today.day, 1 - today.isoWeekday);
    next = addDays(first.year, first.month, first.day, 7);
  } else {
    first = { year: today.year, month: today.month, day: 1 };
    next = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
  }
  let start = startOfLocalDay(first.year, first.month, first.day, timeZone);
  // An instant inside a DST gap's shifted midnight may map to the previous window: keep start ≤ epochMs.
  if (start > epochMs) start = budgetWindow(period, timeZone, start - 1).start;
  return { start, end: startOfLocalDay(next.year, next.month, next.day, timeZone) };
}

/** The UTC clock minute containing `epochMs`: rate-limit windows. */
export function minuteWindow(epochMs: number): BudgetWindow {
  const start = Math.floor(epochMs / 60_000) * 60_000;
  return { start, end: start + 60_000 };
}
