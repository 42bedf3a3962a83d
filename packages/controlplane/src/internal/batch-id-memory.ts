/** Options of {@link createBatchIdMemory}. */
export interface BatchIdMemoryOptions {
  /** Batch ids remembered at most; the oldest are forgotten first (default 100,000, ~10 MB). */
  maxEntries?: number;
  /** How long a batch id is remembered (default 1 hour: far longer than any sender's retries). */
  ttlMs?: number;
  now?: () => number;
}

/** What a batch id was last accepted with. */
export type BatchIdVerdict = 'new' | 'same' | 'conflict';

/**
 * The recent batch ids the ingest accepted, with a hash of their content. A retry (same id,
 * same content) is acknowledged again; the same id with different content is refused with 409
 * instead of being taken for a retry and dropped. Bounded in entries and time: a Map keeps
 * insertion order, so the oldest entry is the first key.
 */
export function createBatchIdMemory(options: BatchIdMemoryOptions = {}) {
  const maxEntries = options.maxEntries ?? 100_000;
  const ttlMs = options.ttlMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  const seen = new Map<string, { hash: string; expiresAt: number }>();

  function expire(at: number): void {
    for (const [id, entry] of seen) {
      if (entry.expiresAt > at && seen.size <= maxEntries) return;
      seen.delete(id);
    }
  }

  return {
    /** Whether `batchId` is new, a retry of what was accepted, or a conflicting reuse. */
    check(batchId: string, hash: string): BatchIdVerdict {
      expire(now());
      const entry = seen.get(batchId);
      if (entry === undefined) return 'new';
      return entry.hash === hash ? 'same' : 'conflict';
    },
    /** Records an accepted batch. */
    remember(batchId: string, hash: string): void {
      seen.delete(batchId);
      seen.set(batchId, { hash, expiresAt: now() + ttlMs });
      expire(now());
    },
    size: () => seen.size,
  };
}

export type BatchIdMemory = ReturnType<typeof createBatchIdMemory>;
