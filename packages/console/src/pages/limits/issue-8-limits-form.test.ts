import { describe, expect, it } from 'vitest';
import { barPercent, parseLimit, parseThresholds, timeToReset, usageLevel } from './limits-form.ts';

// Issue 8, console: the limits and budget forms check what the server checks, and the usage
// bar and reset countdown read the current window as people do.
describe('limits and budget forms', () => {
  it('reads rate limits: blank is no limit, anything but a whole number from 1 is refused', () => {
    expect(parseLimit('', 'Requests per minute')).toEqual({ ok: true, value: null });
    expect(parseLimit(' 60 ', 'Requests per minute')).toEqual({ ok: true, value: 60 });
    for (const text of ['0', '-1', '1.5', 'ten', '2147483648']) expect(parseLimit(text, 'Tokens per minute').ok, text).toBe(false);
  });

  it('reads thresholds deduplicated and sorted, refusing out-of-range ones', () => {
    expect(parseThresholds('80, 50,80 100%')).toEqual({ ok: true, value: [50, 80, 100] });
    expect(parseThresholds('')).toEqual({ ok: true, value: [] });
    expect(parseThresholds('0').ok).toBe(false);
    expect(parseThresholds('1001').ok).toBe(false);
  });

  it('shows the time to reset and the bar level', () => {
    const now = Date.parse('2026-03-29T12:00:00Z');
    expect(timeToReset('2026-03-29T22:00:00Z', now)).toBe('10h 0m');
    expect(timeToReset('2026-03-31T22:00:00Z', now)).toBe('2d 10h');
    expect(timeToReset('2026-03-29T12:42:30Z', now)).toBe('42m');
    expect(timeToReset('2026-03-29T12:00:30Z', now)).toBe('under a minute');
    expect(barPercent(130)).toBe(100);
    expect([usageLevel(10), usageLevel(80), usageLevel(100)]).toEqual(['ok', 'warning', 'over']);
  });
});
