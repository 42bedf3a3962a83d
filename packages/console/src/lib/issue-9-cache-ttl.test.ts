import { describe, expect, it } from 'vitest';
import { formatCacheTtl, parseCacheTtl } from './cache-ttl.ts';

describe('response cache lifetime fields', () => {
  it('reads seconds, empty as none, and refuses anything else', () => {
    expect(parseCacheTtl(' 300 ')).toEqual({ ok: true, ttlSeconds: 300 });
    expect(parseCacheTtl('')).toEqual({ ok: true, ttlSeconds: null });
    for (const bad of ['0', '-5', '1.5', '604801', 'soon']) expect(parseCacheTtl(bad).ok).toBe(false);
  });

  it('formats a lifetime for the tables', () => {
    expect([null, 0, 45, 300, 7200].map(formatCacheTtl)).toEqual(['off', 'off', '45 s', '5 min', '2 h']);
  });
});
