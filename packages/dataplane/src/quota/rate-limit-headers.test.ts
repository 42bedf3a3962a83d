import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newLocalCounter, type LocalCounter } from './local-counter.ts';
import { formatResetDuration, rateLimitHeaders } from './rate-limit-headers.ts';

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

describe('rateLimitHeaders', () => {
  const NOW = 1_800_000_030_000;
  /** A counter of the minute starting at NOW − 30 s with `used` of a `granted` share taken and `others` left elsewhere. */
  function counter(kind: 'rpm' | 'tpm', limit: number, granted: number, used: number, others: number): LocalCounter {
    const c = newLocalCounter(`${kind}:${limit}`, kind, limit, 0);
    Object.assign(c, { windowStart: NOW - 30_000, windowEnd: NOW + 30_000, granted, used, remainingOthers: others });
    return c;
  }

  it('reports, per kind, the scope with the least left, and its limit and reset', () => {
    const rpm = [counter('rpm', 100, 10, 4, 80), counter('rpm', 50, 10, 9, 20)];
    const tpm = [counter('tpm', 9_000, 1_000, 100, 5_000)];
    expect(rateLimitHeaders(rpm, tpm, NOW)).toEqual({
      'x-ratelimit-limit-requests': '50',
      'x-ratelimit-remaining-requests': '21',
      'x-ratelimit-reset-requests': '30s',
      'x-ratelimit-limit-tokens': '9000',
      'x-ratelimit-remaining-tokens': '5900',
      'x-ratelimit-reset-tokens': '30s',
    });
    // The same figures again, then others: the remembered texts follow the figures.
    expect(rateLimitHeaders(rpm, tpm, NOW)?.['x-ratelimit-limit-requests']).toBe('50');
    expect(rateLimitHeaders([counter('rpm', 70, 10, 0, 0)], [], NOW + 1_500)).toEqual({
      'x-ratelimit-limit-requests': '70',
      'x-ratelimit-remaining-requests': '10',
      'x-ratelimit-reset-requests': '28.5s',
    });
  });

  it('sends only the kinds the key has, and nothing without either', () => {
    expect(Object.keys(rateLimitHeaders([], [counter('tpm', 10, 5, 0, 0)], NOW)!)).toEqual(['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens']);
    expect(rateLimitHeaders([], [], NOW)).toBeNull();
  });
});
