import { describe, expect, it } from 'vitest';
import { parseRetryAfterSeconds, RETRY_AFTER_MAX_SECONDS } from './retry-after.ts';

describe('parseRetryAfterSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfterSeconds('7', now)).toBe(7);
    expect(parseRetryAfterSeconds('1.2', now)).toBe(2);
    expect(parseRetryAfterSeconds(['30'], now)).toBe(30);
    expect(parseRetryAfterSeconds('Thu, 01 Jan 2026 00:00:20 GMT', now)).toBe(20);
    expect(parseRetryAfterSeconds('999999', now)).toBe(RETRY_AFTER_MAX_SECONDS);
  });
  it('ignores what is absent, unreadable or past', () => {
    expect(parseRetryAfterSeconds(undefined, now)).toBeNull();
    expect(parseRetryAfterSeconds('soon', now)).toBeNull();
    expect(parseRetryAfterSeconds('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBeNull();
  });
});
