/**
 * What the limits and budget forms check before sending, with the server's own bounds, so a
 * mistake is named next to its field rather than after a round trip. The server checks again.
 */

/** The largest rate limit the server stores (a 32-bit column). */
export const MAX_RATE_LIMIT = 2_147_483_647;

/** A checked field: its value, or why the text was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * A rate limit field: blank = no limit of that kind, else a whole number from 1.
 * @example parseLimit('60') // { ok: true, value: 60 }
 * @example parseLimit('') // { ok: true, value: null }
 */
export function parseLimit(text: string, label: string): Checked<number | null> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: null };
  if (!/^\d+$/.test(trimmed)) return { ok: false, message: `${label}: enter a whole number, or leave it empty for no limit.` };
  const value = Number(trimmed);
  if (value < 1 || value > MAX_RATE_LIMIT) return { ok: false, message: `${label}: must be from 1 to ${MAX_RATE_LIMIT}.` };
  return { ok: true, value };
}

/**
 * Alert thresholds typed as "50, 80, 100": percentages 1–1000, repeats dropped, ascending.
 * @example parseThresholds('80, 50,80') // { ok: true, value: [50, 80] }
 */
export function parseThresholds(text: string): Checked<number[]> {
  const parts = text.split(/[\s,]+/).filter((part) => part !== '');
  const values: number[] = [];
  for (const part of parts) {
    const value = Number(part.replace(/%$/, ''));
    if (!Number.isInteger(value) || value < 1 || value > 1000) return { ok: false, message: `Alert thresholds: "${part}" is not a whole percentage from 1 to 1000.` };
    values.push(value);
  }
  if (new Set(values).size > 10) return { ok: false, message: 'Alert thresholds: at most 10.' };
  return { ok: true, value: [...new Set(values)].sort((a, b) => a - b) };
}

/**
 * Time left until `resetsAt`, coarse as people read it: "2d 4h", "5h 3m", "42m", "under a minute".
 * @example timeToReset('2026-01-01T05:03:00Z', Date.parse('2026-01-01T00:00:00Z')) === '5h 3m'
 */
export function timeToReset(resetsAt: string, nowMs: number): string {
  const minutes = Math.floor((Date.parse(resetsAt) - nowMs) / 60_000);
  if (minutes < 1) return 'under a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes % 60}m`;
  return `${minutes}m`;
}

/** How full a usage bar is drawn, 0–100 (a spend past the amount fills it, the label says by how much). */
export function barPercent(percentUsed: number): number {
  return Math.max(0, Math.min(100, percentUsed));
}

/** The level a usage bar shows: ok below 80 %, warning from 80 %, over at 100 %. */
export function usageLevel(percentUsed: number): 'ok' | 'warning' | 'over' {
  return percentUsed >= 100 ? 'over' : percentUsed >= 80 ? 'warning' : 'ok';
}
