import { describe, expect, it } from 'vitest';
import { formatCount, formatLatencyMs } from './format-number.ts';

describe('formatCount', () => {
  it('groups thousands', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(Number.MAX_SAFE_INTEGER)).toBe('9,007,199,254,740,991');
  });

  it('rejects fractions and unsafe integers', () => {
    expect(() => formatCount(1.5)).toThrow(RangeError);
    expect(() => formatCount(Number.MAX_SAFE_INTEGER + 1)).toThrow(RangeError);
    expect(() => formatCount(Number.NaN)).toThrow(RangeError);
  });
});

describe('formatLatencyMs', () => {
  it('rounds to the millisecond and groups thousands', () => {
    expect(formatLatencyMs(0)).toBe('0 ms');
    expect(formatLatencyMs(12.4)).toBe('12 ms');
    expect(formatLatencyMs(12.5)).toBe('13 ms');
    expect(formatLatencyMs(1234.4)).toBe('1,234 ms');
  });

  it('shows a dash when there is no measurement', () => {
    expect(formatLatencyMs(null)).toBe('—');
    expect(formatLatencyMs(undefined)).toBe('—');
    expect(formatLatencyMs(Number.NaN)).toBe('—');
  });
});
