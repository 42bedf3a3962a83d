/**
 * A process-wide budget of request-body bytes buffered at once (MAX_BUFFERED_BODY_BYTES).
 * MAX_BODY_BYTES bounds one request; without this, forty concurrent 7 MiB uploads added 631 MB
 * RSS (issue 6). A request that would pass the budget is answered 503 `server_overloaded` with
 * `retry-after` instead of growing the heap.
 *
 * Each request holds a {@link BodyLease}; the lease is released once the body has been parsed
 * and handed to the upstream (or the request ended), whichever comes first.
 */
export interface BodyBudget {
  /** Starts a lease for one request. */
  lease(): BodyLease;
  /** Bytes reserved across all requests right now. */
  reservedBytes(): number;
  readonly maxBytes: number;
}

/** One request's share of the {@link BodyBudget}. */
export interface BodyLease {
  /** Reserves `bytes` more; false (and nothing reserved) when the budget would be exceeded. */
  reserve(bytes: number): boolean;
  /** Returns everything this lease reserved. Idempotent. */
  release(): void;
}

export function createBodyBudget(maxBytes: number): BodyBudget {
  let reserved = 0;
  return {
    maxBytes,
    reservedBytes: () => reserved,
    lease() {
      let held = 0;
      let released = false;
      return {
        reserve(bytes) {
          if (released || reserved + bytes > maxBytes) return false;
          reserved += bytes;
          held += bytes;
          return true;
        },
        release() {
          if (released) return;
          released = true;
          reserved -= held;
          held = 0;
        },
      };
    },
  };
}
