import { describe, expect, it } from 'vitest';
import { emptyFeed, receive, resume } from './live-feed.ts';

describe('live feed (issue 10)', () => {
  it('shows arrivals newest first within its capacity', () => {
    let feed = emptyFeed<number>();
    for (const n of [1, 2, 3, 4]) feed = receive(feed, n, false, 3);
    expect(feed.shown).toEqual([4, 3, 2]);
  });

  it('holds arrivals while paused and puts them on top on resume, dropping past the bound', () => {
    let feed = receive(emptyFeed<number>(), 1, false, 3);
    for (const n of [2, 3, 4, 5]) feed = receive(feed, n, true, 3);
    expect(feed.shown).toEqual([1]);
    expect(feed.held).toEqual([5, 4, 3]);
    expect(feed.dropped).toBe(1);
    expect(resume(feed, 3)).toEqual({ shown: [5, 4, 3], held: [], dropped: 0 });
  });
});
