/**
 * The Live page's list: newest first, at most `capacity` rows, and while paused the arrivals are
 * held (up to the same bound) instead of moving the rows the admin is reading. Pure.
 */

/** What the page shows and what it holds back. */
export interface LiveFeed<T> {
  shown: readonly T[];
  /** Arrived while paused, newest first; shown on resume. */
  held: readonly T[];
  /** Arrivals dropped because more than `capacity` came while paused. */
  dropped: number;
}

/** An empty feed. */
export function emptyFeed<T>(): LiveFeed<T> {
  return { shown: [], held: [], dropped: 0 };
}

/** The feed after `entry` arrived. */
export function receive<T>(feed: LiveFeed<T>, entry: T, paused: boolean, capacity: number): LiveFeed<T> {
  if (!paused) return { ...feed, shown: [entry, ...feed.shown].slice(0, capacity) };
  const held = [entry, ...feed.held];
  return held.length > capacity ? { ...feed, held: held.slice(0, capacity), dropped: feed.dropped + 1 } : { ...feed, held };
}

/** The feed after resuming: what was held goes on top. */
export function resume<T>(feed: LiveFeed<T>, capacity: number): LiveFeed<T> {
  return { shown: [...feed.held, ...feed.shown].slice(0, capacity), held: [], dropped: 0 };
}
