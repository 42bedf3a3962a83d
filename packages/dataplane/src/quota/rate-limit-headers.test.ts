import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatResetDuration } from './rate-limit-headers.ts';

/** The formatter as first written (floating point + toFixed): the integer version must say the same. */
function formatWithToFixed(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total < 1_000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = (total % 60_000) / 1_000;
  const secondsText = `${Number.isInteger(seconds) ? seconds : Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

describe('formatResetDuration', () => {
  it("writes OpenAI's duration format", () => {
    expect(formatResetDuration(20)).toBe('20ms');
    expect(formatResetDuration(0.2)).toBe('1ms');
    expect(formatResetDuration(-5)).toBe('0ms');
    expect(formatResetDuration(1_000)).toBe('1s');
    expect(formatResetDuration(7_660)).toBe('7.66s');
    expect(formatResetDuration(7_605)).toBe('7.605s');
    expect(formatResetDuration(7_050)).toBe('7.05s');
    expect(formatResetDuration(360_000)).toBe('6m0s');
    expect(formatResetDuration(3_723_000)).toBe('1h2m3s');
    expect(formatResetDuration(3_600_001)).toBe('1h0m0.001s');
  });

  it('says what the floating-point version said, for every duration up to a day', () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 86_400_000, noNaN: true }), (ms) => {
        expect(formatResetDuration(ms)).toBe(formatWithToFixed(ms));
      }),
      { numRuns: 20_000 },
    );
  });
});
