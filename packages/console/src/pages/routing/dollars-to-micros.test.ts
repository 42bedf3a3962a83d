import { describe, expect, it } from 'vitest';
import { parseDollarsToMicros } from './dollars-to-micros.ts';

describe('parseDollarsToMicros', () => {
  it.each([
    ['0.15', '150000'],
    ['0.29', '290000'],
    ['2.5', '2500000'],
    ['15', '15000000'],
    ['0', '0'],
    ['0.000001', '1'],
    ['.5', '500000'],
    ['3.', '3000000'],
    ['007.10', '7100000'],
    [' $1.25 ', '1250000'],
    ['9007199254.740991', '9007199254740991'],
  ])('converts %j dollars to %s micros exactly', (text, micros) => {
    expect(parseDollarsToMicros(text)).toEqual({ ok: true, micros });
  });

  it('refuses more than six decimals instead of rounding', () => {
    expect(parseDollarsToMicros('0.0000001')).toEqual({ ok: false, message: expect.stringContaining('6 decimal places') });
    expect(parseDollarsToMicros('1.1234567')).toMatchObject({ ok: false });
  });

  it.each(['-0.15', '-1', '$-2', ' -0'])('refuses the negative amount %j', (text) => {
    expect(parseDollarsToMicros(text)).toEqual({ ok: false, message: 'A price cannot be negative.' });
  });

  it.each(['', '   ', '.', 'abc', '1,5', '1e3', '0x10', '1.2.3', '+1', '1 000', 'Infinity'])('refuses %j', (text) => {
    expect(parseDollarsToMicros(text)).toMatchObject({ ok: false });
  });

  it('refuses amounts past the largest Micros the control plane accepts', () => {
    expect(parseDollarsToMicros('9007199254.740992')).toEqual({ ok: false, message: 'That price is too large.' });
  });
});
