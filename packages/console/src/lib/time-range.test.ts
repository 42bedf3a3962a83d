import { describe, expect, it } from 'vitest';
import { TIME_RANGE_PRESETS, findPreset, isTimeRangePresetId, timeRangeFor } from './time-range.ts';

const NOW_MS = Date.parse('2025-03-10T10:00:30.250Z');

describe('timeRangeFor', () => {
  it.each([
    ['1h', '2025-03-10T09:01:00.000Z'],
    ['24h', '2025-03-09T10:01:00.000Z'],
    ['7d', '2025-03-03T10:01:00.000Z'],
    ['30d', '2025-02-08T10:01:00.000Z'],
  ] as const)('%s ends at the next whole minute and starts its duration before', (preset, from) => {
    expect(timeRangeFor(preset, NOW_MS)).toEqual({ from, to: '2025-03-10T10:01:00.000Z' });
  });

  it('asks the same question for every moment within one minute', () => {
    const start = Date.parse('2025-03-10T10:00:00.000Z');
    expect(timeRangeFor('1h', start)).toEqual(timeRangeFor('1h', start + 59_999));
    expect(timeRangeFor('1h', start + 60_000).to).toBe('2025-03-10T10:02:00.000Z');
  });
});

describe('presets', () => {
  it('are offered in order from the shortest range', () => {
    expect(TIME_RANGE_PRESETS.map((p) => p.id)).toEqual(['1h', '24h', '7d', '30d']);
  });

  it('narrow URL values and reject unknown ids', () => {
    expect(isTimeRangePresetId('7d')).toBe(true);
    expect(isTimeRangePresetId('2d')).toBe(false);
    expect(isTimeRangePresetId(undefined)).toBe(false);
    expect(findPreset('30d').label).toBe('Last 30 days');
    expect(() => findPreset('90d')).toThrow(RangeError);
  });
});
