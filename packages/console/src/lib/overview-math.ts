/** The overview's arithmetic: the previous range, the bucket per range, changes and rates. Pure. */
import type { TimeRange, TimeRangePresetId } from './time-range.ts';

/** A chart bucket as the `timeSeries(bucket:)` argument takes it. */
export type TimeBucket = 'MINUTE' | 'HOUR' | 'DAY';

const BUCKET_MS: Record<TimeBucket, number> = { MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };

/** The bucket that gives 24–720 points for a preset: minutes for an hour, hours up to a week, days beyond. */
export function bucketForPreset(preset: TimeRangePresetId): TimeBucket {
  if (preset === '1h') return 'MINUTE';
  if (preset === '30d') return 'DAY';
  return 'HOUR';
}

/** The range of the same length just before `range`, to compare a tile with. */
export function previousRange(range: TimeRange): TimeRange {
  const fromMs = Date.parse(range.from);
  const lengthMs = Date.parse(range.to) - fromMs;
  return { from: new Date(fromMs - lengthMs).toISOString(), to: range.from };
}

/** The longest local day (a daylight-saving change in autumn). */
const LONGEST_DAY_MS = 25 * 3_600_000;

/**
 * The half-open range one chart bucket covers, within `range`. A local day lasts until the next
 * day's start when that is the following bucket (exact for 23- and 25-hour days); buckets without
 * requests are absent, so otherwise a day is taken as 24 hours.
 */
export function bucketRange(starts: readonly number[], index: number, bucket: TimeBucket, range: TimeRange): TimeRange {
  const startMs = starts[index]!;
  const nextMs = starts[index + 1];
  const followsDirectly = bucket === 'DAY' && nextMs !== undefined && nextMs - startMs <= LONGEST_DAY_MS;
  const endMs = Math.min(followsDirectly ? nextMs : startMs + BUCKET_MS[bucket], Date.parse(range.to));
  return { from: new Date(Math.max(startMs, Date.parse(range.from))).toISOString(), to: new Date(endMs).toISOString() };
}

/** Relative change from `previous` to `current`; null when there is nothing to compare with. */
export function relativeChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (current - previous) / previous;
}

/**
 * A change as a tile shows it: `+12.5 %`, `−3.0 %`, `±0 %`; `new` when there was nothing
 * before and something now; `—` when neither range has a value.
 */
export function formatChange(current: number | null, previous: number | null): string {
  const change = relativeChange(current, previous);
  if (change === null) return current !== null && current !== 0 && (previous === null || previous === 0) ? 'new' : '—';
  if (Math.abs(change) < 0.0005) return '±0 %';
  const sign = change > 0 ? '+' : '−';
  return `${sign}${(Math.abs(change) * 100).toFixed(1)} %`;
}

/** Errors per request, 0–1; null without requests. */
export function errorRate(errors: number | null, requests: number): number | null {
  return requests === 0 ? null : (errors ?? 0) / requests;
}
