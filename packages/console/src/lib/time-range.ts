/** The spend page's time range presets and the arithmetic that turns one into a query range. */

/** A preset the spend page offers; durations are exact so ranges are reproducible in tests. */
export interface TimeRangePreset {
  id: TimeRangePresetId;
  label: string;
  durationMs: number;
}

export type TimeRangePresetId = '1h' | '24h' | '7d' | '30d';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const MINUTE_MS = 60 * 1000;

/** The presets in display order. */
export const TIME_RANGE_PRESETS: readonly TimeRangePreset[] = Object.freeze([
  { id: '1h', label: 'Last hour', durationMs: HOUR_MS },
  { id: '24h', label: 'Last 24 hours', durationMs: DAY_MS },
  { id: '7d', label: 'Last 7 days', durationMs: 7 * DAY_MS },
  { id: '30d', label: 'Last 30 days', durationMs: 30 * DAY_MS },
]);

/** A half-open query range as the `spend(from, to)` arguments take it. */
export interface TimeRange {
  from: string;
  to: string;
}

/**
 * The range of a preset ending at `nowMs`. The end is rounded up to the next whole minute so
 * a request made a moment ago is inside the range even when the browser clock runs slightly
 * behind the server's, and so repeated renders within a minute ask the same question.
 * @example timeRangeFor('1h', Date.parse('2025-01-01T10:00:30Z'))
 *   // { from: '2025-01-01T09:01:00.000Z', to: '2025-01-01T10:01:00.000Z' }
 */
export function timeRangeFor(presetId: TimeRangePresetId, nowMs: number): TimeRange {
  const preset = findPreset(presetId);
  const toMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  return { from: new Date(toMs - preset.durationMs).toISOString(), to: new Date(toMs).toISOString() };
}

/** The preset with this id. @throws RangeError for an unknown id. */
export function findPreset(presetId: string): TimeRangePreset {
  const preset = TIME_RANGE_PRESETS.find((p) => p.id === presetId);
  if (preset === undefined) throw new RangeError(`Unknown time range preset: ${presetId}`);
  return preset;
}

/** Narrows a string (a URL search param) to a preset id. */
export function isTimeRangePresetId(value: unknown): value is TimeRangePresetId {
  return TIME_RANGE_PRESETS.some((p) => p.id === value);
}
