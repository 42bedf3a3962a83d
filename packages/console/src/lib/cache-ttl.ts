/** A cached answer lives a second to a week (the server's RESPONSE_CACHE_TTL_RANGE). */
export const CACHE_TTL_MAX_SECONDS = 7 * 24 * 3600;

/**
 * Reads a cache lifetime typed in seconds: '' = none (null); otherwise a whole number from 1 to
 * a week, or the reason it is not one.
 */
export function parseCacheTtl(text: string): { ok: true; ttlSeconds: number | null } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, ttlSeconds: null };
  const seconds = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > CACHE_TTL_MAX_SECONDS) {
    return { ok: false, message: `Cache lifetime: a whole number of seconds from 1 to ${CACHE_TTL_MAX_SECONDS}, or empty for none.` };
  }
  return { ok: true, ttlSeconds: seconds };
}

/** How a cache lifetime reads in a table: "off", "90 s", "5 min", "2 h". */
export function formatCacheTtl(ttlSeconds: number | null): string {
  if (ttlSeconds === null || ttlSeconds === 0) return 'off';
  if (ttlSeconds % 3600 === 0) return `${ttlSeconds / 3600} h`;
  if (ttlSeconds % 60 === 0) return `${ttlSeconds / 60} min`;
  return `${ttlSeconds} s`;
}
