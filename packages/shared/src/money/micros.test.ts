import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMicros,
  divRoundHalfUp,
  formatMicros,
  micros,
  microsFromBigInt,
  mulMicros,
  parseDecimalToMicros,
  parseMicros,
} from './micros.ts';

describe('micros', () => {
  it('accepts safe integers only', () => {
    expect(micros(150_000)).toBe(150_000);
    expect(() => micros(1.5)).toThrow(RangeError);
    expect(() => micros(Number.MAX_SAFE_INTEGER + 1)).toThrow(RangeError);
    expect(() => micros(Number.NaN)).toThrow(RangeError);
  });

  it('adds and multiplies with overflow checks', () => {
    expect(addMicros(micros(1), micros(2))).toBe(3);
    expect(mulMicros(micros(7), 3)).toBe(21);
    expect(() => addMicros(micros(Number.MAX_SAFE_INTEGER), micros(1))).toThrow(RangeError);
    expect(() => mulMicros(micros(2), 0.5)).toThrow(RangeError);
  });

  it('rounds half away from zero, exactly', () => {
    expect(divRoundHalfUp(5n, 10n)).toBe(1n);
    expect(divRoundHalfUp(4n, 10n)).toBe(0n);
    expect(divRoundHalfUp(15n, 10n)).toBe(2n);
    expect(divRoundHalfUp(-15n, 10n)).toBe(-2n);
    expect(divRoundHalfUp(-14n, 10n)).toBe(-1n);
    expect(divRoundHalfUp(10n ** 30n + 500_000n, 1_000_000n)).toBe(10n ** 24n + 1n);
    expect(() => divRoundHalfUp(1n, 0n)).toThrow(RangeError);
  });

  it('parses wire forms strictly', () => {
    expect(parseMicros('150000')).toBe(150_000);
    expect(parseMicros(-3)).toBe(-3);
    expect(parseMicros(42n)).toBe(42);
    for (const bad of ['1.5', '1e6', '', ' 1', '0x10', null, {}, 1.25]) {
      expect(() => parseMicros(bad), JSON.stringify(bad)).toThrow(RangeError);
    }
    expect(() => microsFromBigInt(2n ** 60n)).toThrow(RangeError);
  });

  it('converts decimal currency amounts without floats', () => {
    expect(parseDecimalToMicros('0.15')).toBe(150_000);
    expect(parseDecimalToMicros('12')).toBe(12_000_000);
    expect(parseDecimalToMicros('0.000001')).toBe(1);
    expect(parseDecimalToMicros('-2.5')).toBe(-2_500_000);
    // 0.1 + 0.2 style traps: exact in micros.
    expect(parseDecimalToMicros('0.3')).toBe(parseDecimalToMicros('0.1') + parseDecimalToMicros('0.2'));
    expect(() => parseDecimalToMicros('0.0000001')).toThrow(RangeError);
    expect(() => parseDecimalToMicros('1,5')).toThrow(RangeError);
  });

  it('formats with six places', () => {
    expect(formatMicros(micros(150))).toBe('0.000150');
    expect(formatMicros(micros(12_345_678))).toBe('12.345678');
    expect(formatMicros(micros(-1))).toBe('-0.000001');
  });

  it('formats every safe amount as the bigint division does (issue 11: formatted on numbers)', () => {
    const onBigints = (value: number): string => {
      const abs = BigInt(Math.abs(value));
      return `${value < 0 ? '-' : ''}${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, '0')}`;
    };
    const edges = [0, 1, 999_999, 1_000_000, 1_000_001, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1, 9_007_199_253_999_999, 9_007_199_254_000_000];
    for (const value of edges.flatMap((v) => [v, -v])) expect(formatMicros(micros(value))).toBe(onBigints(value));
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })), (value) => {
        expect(formatMicros(micros(value))).toBe(onBigints(value));
      }),
      { numRuns: 5_000 },
    );
  });
});
