import { describe, expect, it } from 'vitest';
import { newRequestId } from './exchange.ts';

/**
 * Request ids come from a pool of random bytes refilled every 256 ids (issue 11: randomUUID's
 * string work cost ~0.9 KB of garbage per request). The format clients, logs and the request-log
 * query rely on stays `req_` + 32 lowercase hex characters; ids across many refills never repeat.
 */
describe('request ids', () => {
  it('are req_ and 32 hex characters, distinct across many pool refills', () => {
    const ids = Array.from({ length: 20_000 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('use every hex digit in every position (no fixed bits, unlike a UUID)', () => {
    const seen = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 4_000; i++) {
      const hex = newRequestId().slice(4);
      for (let p = 0; p < 32; p++) seen[p]!.add(hex[p]!);
    }
    // 4,000 draws miss a given digit in a given position with probability (15/16)^4000 ≈ 0.
    for (const digits of seen) expect(digits.size).toBe(16);
  });
});
