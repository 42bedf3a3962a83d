import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDateTimeSeconds } from './format-date.ts';

describe('formatDateTime', () => {
  it('prints a fixed YYYY-MM-DD HH:MM shape in the given zone', () => {
    expect(formatDateTime('2025-01-02T03:04:05.000Z', 'UTC')).toBe('2025-01-02 03:04');
    expect(formatDateTime('2025-12-31T23:59:59.999Z', 'UTC')).toBe('2025-12-31 23:59');
    expect(formatDateTime('2025-01-02T00:30:00.000Z', 'UTC')).toBe('2025-01-02 00:30');
  });

  it('converts to the zone asked for', () => {
    expect(formatDateTime('2025-07-01T12:00:00.000Z', 'Europe/Berlin')).toBe('2025-07-01 14:00');
  });

  it('shows a dash for a missing timestamp', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime(undefined)).toBe('—');
  });

  it('rejects a string that is not a timestamp', () => {
    expect(() => formatDateTime('yesterday', 'UTC')).toThrow(RangeError);
  });
});

describe('formatDateTimeSeconds', () => {
  it('adds seconds to the same fixed shape', () => {
    expect(formatDateTimeSeconds('2025-01-02T03:04:05.678Z', 'UTC')).toBe('2025-01-02 03:04:05');
    expect(formatDateTimeSeconds('2025-12-31T23:59:59.999Z', 'UTC')).toBe('2025-12-31 23:59:59');
    expect(formatDateTimeSeconds(null)).toBe('—');
  });
});
