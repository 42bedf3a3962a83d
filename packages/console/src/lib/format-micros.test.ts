import { describe, expect, it } from 'vitest';
import { formatMicros } from './format-micros.ts';

describe('formatMicros', () => {
  it.each([
    ['0', '$0.000000'],
    ['1', '$0.000001'],
    ['1500', '$0.001500'],
    ['150000', '$0.150000'],
    ['999999', '$0.999999'],
    ['1000000', '$1.000000'],
    ['1000001', '$1.000001'],
    ['123456789', '$123.456789'],
    ['1234567890', '$1,234.567890'],
    ['1000000000000', '$1,000,000.000000'],
  ])('formats %s as %s', (input, expected) => {
    expect(formatMicros(input)).toBe(expected);
  });

  it('formats negative amounts with the sign before the dollar', () => {
    expect(formatMicros('-1500')).toBe('-$0.001500');
    expect(formatMicros('-1234567890')).toBe('-$1,234.567890');
  });

  it('prints zero without a sign, whatever the input spelling', () => {
    expect(formatMicros('-0')).toBe('$0.000000');
    expect(formatMicros('000')).toBe('$0.000000');
  });

  it('ignores leading zeros', () => {
    expect(formatMicros('0001500')).toBe('$0.001500');
  });

  it('stays exact past 2^53, where a float would round', () => {
    // 2^53 + 1 micros: Number('9007199254740993') is 9007199254740992.
    expect(formatMicros('9007199254740993')).toBe('$9,007,199,254.740993');
    expect(formatMicros('123456789012345678901234567')).toBe('$123,456,789,012,345,678,901.234567');
  });

  it('accepts bigints', () => {
    expect(formatMicros(1500n)).toBe('$0.001500');
    expect(formatMicros(-2_000_000n)).toBe('-$2.000000');
  });

  it.each(['', ' ', '1.5', '1e6', '0x10', ' 15', '15 ', '+15', '--1', '$1', 'NaN', '1,000'])(
    'rejects %j instead of guessing',
    (input) => {
      expect(() => formatMicros(input)).toThrow(RangeError);
    },
  );
});
