import { describe, expect, it, vi } from 'vitest';
import { createKeptBuffer } from './kept-buffer.ts';

describe('kept buffer', () => {
  it('hands the same memory out again when it is big enough, and new memory while it is out', () => {
    const keeper = createKeptBuffer();
    const first = keeper.take(1_000);
    expect(first.length).toBeGreaterThanOrEqual(1_000);
    const second = keeper.take(500); // the first is still out
    expect(second.buffer).not.toBe(first.buffer);
    keeper.give(first.subarray(0, 10)); // a view gives the whole buffer back
    expect(keeper.take(800).buffer).toBe(first.buffer);
    keeper.give(first);
    keeper.give(second); // smaller than the one kept: not kept instead of it
    expect(keeper.take(1_000).buffer).toBe(first.buffer);
    keeper.give(first);
    const bigger = keeper.take(2_000); // the kept one is too small
    expect(bigger.buffer).not.toBe(first.buffer);
    expect(bigger.length).toBeGreaterThanOrEqual(2_000);
  });

  it('never keeps memory it did not hand out (a pooled Buffer shares its memory)', () => {
    const keeper = createKeptBuffer();
    const pooled = Buffer.from('shared pool bytes');
    keeper.give(pooled);
    expect(keeper.take(4).buffer).not.toBe(pooled.buffer);
  });

  it('lets an unused buffer go after keepMs', () => {
    vi.useFakeTimers();
    try {
      const keeper = createKeptBuffer({ keepMs: 1_000 });
      const buffer = keeper.take(100);
      keeper.give(buffer);
      vi.advanceTimersByTime(999);
      expect(keeper.take(100).buffer).toBe(buffer.buffer);
      keeper.give(buffer);
      vi.advanceTimersByTime(1_001);
      expect(keeper.take(100).buffer).not.toBe(buffer.buffer);
    } finally {
      vi.useRealTimers();
    }
  });
});
