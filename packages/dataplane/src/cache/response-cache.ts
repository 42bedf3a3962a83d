/** One stored answer: a complete, successful OpenAI chat completion and what it cost. */
export interface CachedAnswer {
  /** The completion as OpenAI JSON (also what a streamed request is replayed from). */
  readonly completion: Buffer;
  /** The deployment that produced it (looked up again on a hit, for the event and headers). */
  readonly deploymentId: string;
  /** What the original request cost: a hit records it as `cost_saved_micros`. */
  readonly costMicros: number;
}

/** Options of {@link createResponseCache}. */
export interface ResponseCacheOptions {
  /** Upper bound on stored bytes (RESPONSE_CACHE_MAX_BYTES); 0 stores nothing. */
  maxBytes: number;
  /** Milliseconds clock; tests inject one to expire entries without waiting. */
  now?: () => number;
}

interface Entry {
  readonly answer: CachedAnswer;
  readonly bytes: number;
  readonly expiresAt: number;
}

/** Bytes an entry is charged: its completion, its key and a fixed allowance for the bookkeeping. */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * The data plane's exact-match response cache: an LRU bounded by bytes, each entry with its own
 * TTL. A Map keeps insertion order, so the least recently used entry is the first one (a hit
 * re-inserts its entry); eviction pops from the front until the new entry fits. An entry past
 * its TTL is dropped when it is next looked up, or evicted in turn. In memory, per process:
 * several data planes each keep their own (a miss costs one upstream call, never a wrong answer).
 */
export function createResponseCache(options: ResponseCacheOptions) {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let bytes = 0;

  function remove(key: string, entry: Entry): void {
    entries.delete(key);
    bytes -= entry.bytes;
  }

  return {
    /** The live answer for `key`, marked most recently used; null on a miss or an expired entry. */
    get(key: string): CachedAnswer | null {
      const entry = entries.get(key);
      if (entry === undefined) return null;
      entries.delete(key);
      if (entry.expiresAt <= now()) {
        bytes -= entry.bytes;
        return null;
      }
      entries.set(key, entry);
      return entry.answer;
    },
    /** Stores `answer` for `ttlMs`, evicting least recently used entries to stay within maxBytes. */
    set(key: string, answer: CachedAnswer, ttlMs: number): void {
      const size = answer.completion.length + key.length + ENTRY_OVERHEAD_BYTES;
      const previous = entries.get(key);
      if (previous !== undefined) remove(key, previous);
      if (size > options.maxBytes || ttlMs <= 0) return;
      for (const [oldest, entry] of entries) {
        if (bytes + size <= options.maxBytes) break;
        remove(oldest, entry);
      }
      entries.set(key, { answer, bytes: size, expiresAt: now() + ttlMs });
      bytes += size;
    },
    /** Bytes held and entries, for tests and metrics. */
    stats(): { bytes: number; entries: number } {
      return { bytes, entries: entries.size };
    },
  };
}

export type ResponseCache = ReturnType<typeof createResponseCache>;
