import { describe, expect, it } from 'vitest';
import { bucketForPreset, bucketRange, errorRate, formatChange, previousRange } from './overview-math.ts';

describe('overview arithmetic (issue 10)', () => {
  it('compares with the range of the same length just before', () => {
    expect(previousRange({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z' })).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
    });
  });

  it('shows changes with a sign, and says new or nothing when there is no base', () => {
    expect(formatChange(150, 100)).toBe('+50.0 %');
    expect(formatChange(75, 100)).toBe('−25.0 %');
    expect(formatChange(100, 100)).toBe('±0 %');
    expect(formatChange(5, 0)).toBe('new');
    expect(formatChange(null, null)).toBe('—');
    expect(formatChange(0, 0)).toBe('—');
  });

  it('picks a bucket per range and the range a clicked bucket covers, also on a 25-hour day', () => {
    expect([bucketForPreset('1h'), bucketForPreset('24h'), bucketForPreset('7d'), bucketForPreset('30d')]).toEqual(['MINUTE', 'HOUR', 'HOUR', 'DAY']);
    const range = { from: '2026-10-24T22:00:00.000Z', to: '2026-10-27T00:00:00.000Z' };
    // Berlin days around the October change: the 25th lasts 25 hours.
    const starts = [Date.parse('2026-10-24T22:00:00Z'), Date.parse('2026-10-25T23:00:00Z'), Date.parse('2026-10-26T23:00:00Z')];
    expect(bucketRange(starts, 0, 'DAY', range)).toEqual({ from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z' });
    expect(bucketRange([Date.parse('2026-10-20T10:00:00Z')], 0, 'HOUR', { from: '2026-10-20T09:30:00Z', to: '2026-10-21T00:00:00Z' })).toEqual({
      from: '2026-10-20T10:00:00.000Z',
      to: '2026-10-20T11:00:00.000Z',
    });
    expect(bucketRange(starts, 2, 'DAY', range)).toEqual({ from: '2026-10-26T23:00:00.000Z', to: '2026-10-27T00:00:00.000Z' });
    expect(errorRate(3, 12)).toBe(0.25);
    expect(errorRate(null, 0)).toBeNull();
  });
});
