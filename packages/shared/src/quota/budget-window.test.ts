import { describe, expect, it } from 'vitest';
import { budgetWindow, isValidTimeZone, minuteWindow, startOfLocalDay } from './budget-window.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('issue 8: budget windows follow the organisation’s calendar', () => {
  it('a Berlin day across the spring-forward change is 23 hours and starts at local midnight', () => {
    // 2026-03-29: clocks go 02:00 → 03:00 in Europe/Berlin.
    const window = budgetWindow('day', 'Europe/Berlin', Date.UTC(2026, 2, 29, 12));
    expect(iso(window.start)).toBe('2026-03-28T23:00:00.000Z');
    expect(iso(window.end)).toBe('2026-03-29T22:00:00.000Z');
    expect(window.end! - window.start).toBe(23 * 3_600_000);
  });

  it('a New York day across the fall-back change is 25 hours', () => {
    // 2026-11-01: clocks go 02:00 → 01:00 in America/New_York.
    const window = budgetWindow('day', 'America/New_York', Date.UTC(2026, 10, 1, 15));
    expect(iso(window.start)).toBe('2026-11-01T04:00:00.000Z');
    expect(iso(window.end)).toBe('2026-11-02T05:00:00.000Z');
  });

  it('resets exactly on the boundary: the last millisecond belongs to the old window', () => {
    const window = budgetWindow('day', 'Asia/Tokyo', Date.UTC(2026, 5, 10, 3));
    expect(budgetWindow('day', 'Asia/Tokyo', window.end! - 1)).toEqual(window);
    expect(budgetWindow('day', 'Asia/Tokyo', window.end!).start).toBe(window.end);
  });

  it('ISO weeks start on Monday in the zone, months on the 1st, across DST', () => {
    // Sunday 2026-03-29 evening in Berlin is still the week of Monday 2026-03-23.
    const week = budgetWindow('week', 'Europe/Berlin', Date.UTC(2026, 2, 29, 20));
    expect(iso(week.start)).toBe('2026-03-22T23:00:00.000Z');
    expect(iso(week.end)).toBe('2026-03-29T22:00:00.000Z');
    const month = budgetWindow('month', 'Europe/Berlin', Date.UTC(2026, 2, 15));
    expect(iso(month.start)).toBe('2026-02-28T23:00:00.000Z');
    expect(iso(month.end)).toBe('2026-03-31T22:00:00.000Z');
    const december = budgetWindow('month', 'UTC', Date.UTC(2026, 11, 31, 23, 59));
    expect(iso(december.end)).toBe('2027-01-01T00:00:00.000Z');
  });

  it('a day whose midnight a DST gap skips starts when the gap ends', () => {
    // America/Santiago springs forward at 24:00 on 2026-09-05 (local midnight of the 6th does not exist).
    const start = startOfLocalDay(2026, 9, 6, 'America/Santiago');
    const window = budgetWindow('day', 'America/Santiago', start + 3_600_000);
    expect(window.start).toBe(start);
    expect(window.end! - window.start).toBe(23 * 3_600_000);
  });

  it('lifetime never resets; minutes are UTC clock minutes; unknown zones are refused', () => {
    expect(budgetWindow('lifetime', 'Europe/Berlin', Date.now())).toEqual({ start: 0, end: null });
    expect(minuteWindow(Date.UTC(2026, 0, 1, 10, 5, 59, 999))).toEqual({ start: Date.UTC(2026, 0, 1, 10, 5), end: Date.UTC(2026, 0, 1, 10, 6) });
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(() => budgetWindow('day', 'Mars/Olympus', 0)).toThrow(RangeError);
  });
});
