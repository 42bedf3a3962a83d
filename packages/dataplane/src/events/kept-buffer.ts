/** How long a returned buffer waits for its next use before it is let go. */
const DEFAULT_KEEP_MS = 10_000;

/**
 * One large buffer kept between jobs that each need several megabytes for a moment (an event
 * batch's body: 10,000 events are ~8 MB). A fresh buffer that size is mapped anew, and the kernel
 * faults in and zeroes every page on first write: in issue 11's event bench the data plane spent
 * 9.6-12.9 ms of CPU per 1,000 events with a fresh body buffer per batch and 8.8-10.5 with the
 * kept one (four interleaved runs). A job takes the kept buffer if it is big
 * enough (or gets a new one) and gives it back when done; a job that runs while the buffer is
 * out gets its own. A buffer not taken again within `keepMs` is let go, so an idle process does
 * not hold it.
 */
export interface KeptBuffer {
  /** A buffer of at least `size` bytes, with undefined contents; give it back when done. */
  take(size: number): Buffer;
  /** Returns a buffer from take() (or a view of one): it may be handed out again at once. Anything else is ignored. */
  give(buffer: Buffer): void;
}

export function createKeptBuffer(options: { keepMs?: number } = {}): KeptBuffer {
  let kept: Buffer | null = null;
  let forget: NodeJS.Timeout | null = null;
  /** Memory this keeper handed out: give() keeps nothing else (a pooled Buffer's memory is shared). */
  const ours = new WeakSet<ArrayBufferLike>();
  return {
    take(size) {
      if (kept !== null && kept.length >= size) {
        const buffer = kept;
        kept = null;
        return buffer;
      }
      // Slow: its own memory, not a slice of Node's shared pool, so it can be kept whole.
      const fresh = Buffer.allocUnsafeSlow(size);
      ours.add(fresh.buffer);
      return fresh;
    },
    give(buffer) {
      if (!ours.has(buffer.buffer)) return;
      const whole = Buffer.from(buffer.buffer, 0, buffer.buffer.byteLength);
      if (kept !== null && kept.length >= whole.length) return;
      kept = whole;
      if (forget !== null) clearTimeout(forget);
      forget = setTimeout(() => {
        kept = null;
      }, options.keepMs ?? DEFAULT_KEEP_MS);
      forget.unref();
    },
  };
}
