import { describe, expect, it } from 'vitest';
import { formatMicrosCents } from './format-micros.ts';

describe('money to the cent (issue 10)', () => {
  it.each([
    ['0', '$0.00'],
    ['4999', '$0.00'],
    ['5000', '$0.01'],
    ['1234567', '$1.23'],
    ['1235000', '$1.24'],
    ['-1235000', '-$1.24'],
    ['-4999', '$0.00'],
    ['123456789012345678', '$123,456,789,012.35'],
  ])('%s micros shows as %s', (micros, shown) => {
    expect(formatMicrosCents(micros)).toBe(shown);
  });

  it('refuses what is not a micros integer', () => {
    expect(() => formatMicrosCents('1.5')).toThrow(RangeError);
  });
});
