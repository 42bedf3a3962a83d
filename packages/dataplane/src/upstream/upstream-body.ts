import { errors as undiciErrors } from 'undici';

/** What was read of an upstream body. */
export interface LimitedBody {
  /** The body, or its first `maxBytes` when it was longer. */
  readonly bytes: Buffer;
  /** False when the body was longer than the limit and the rest was never read. */
  readonly complete: boolean;
}

/**
 * Bytes queued before the upstream connection stops being read (undici pauses the socket or the
 * h2 stream): the same 64 KiB undici's own response stream holds, so a slow reader (a slow
 * client behind the SSE relay) slows the upstream instead of growing memory.
 */
const HIGH_WATER_MARK_BYTES = 64 * 1024;

/** How the body tells undici to stop: tear the upstream request down (the connection is closed, not drained). */
type AbortRequest = (err: Error) => void;

/** readAll's limit and promise, while it collects. */
interface Collecting {
  readonly maxBytes: number;
  resolve(body: LimitedBody): void;
  reject(err: unknown): void;
}

/**
 * An upstream response body fed by undici's dispatch handler, read once: either iterated chunk
 * by chunk (streams: the SSE relay and the translators pull it) or collected into one Buffer
 * ({@link readAll}: JSON answers, error text). It stands in for undici's `request()` body, a
 * Node Readable whose stream machinery and async iterator cost ~30 µs per request under load
 * (issue 11's profile) for what is here a queue and a pending promise.
 *
 * Whatever ends it (the last byte, an error, the reader giving up, the attempt's abort), it is
 * settled exactly once and the {@link whenSettled} callbacks run then: the origin gate's slot is
 * released there.
 */
export class UpstreamBody implements AsyncIterable<Buffer>, AsyncIterator<Buffer> {
  #chunks: Buffer[] = [];
  #queuedBytes = 0;
  #ended = false;
  #error: Error | null = null;
  /** The error went to the reader already: a later next() says done, like a destroyed stream's iterator. */
  #errorThrown = false;
  #settled = false;
  #onSettled: Array<() => void> | null = null;
  /** The reader waiting in next(). */
  #waiting: { resolve(step: IteratorResult<Buffer>): void; reject(err: unknown): void } | null = null;
  #collecting: Collecting | null = null;
  /** Whether undici was asked to pause the connection (push returned false). */
  #paused = false;
  readonly #abortRequest: AbortRequest;
  readonly #resumeConnection: () => void;

  /**
   * @param abortRequest tears the upstream request down (undici's abort).
   * @param resumeConnection undici's resume, after push asked it to pause.
   * @param declaredLength the Content-Length the upstream declared, null when none (or not a number).
   */
  constructor(
    abortRequest: AbortRequest,
    resumeConnection: () => void,
    readonly declaredLength: number | null,
  ) {
    this.#abortRequest = abortRequest;
    this.#resumeConnection = resumeConnection;
  }

  /** Runs `callback` once the body is over, however it ends (at once if it is over already). */
  whenSettled(callback: () => void): void {
    if (this.#settled) callback();
    else (this.#onSettled ??= []).push(callback);
  }

  /** Whether the body is over (read to its end, failed, or given up). */
  get settled(): boolean {
    return this.#settled;
  }

  // ---- fed by the dispatch handler ----

  /** A chunk arrived; false asks undici to pause the connection until the reader catches up. */
  push(chunk: Buffer): boolean {
    if (this.#settled) return true;
    const collecting = this.#collecting;
    if (collecting !== null) return this.#collect(collecting, chunk);
    const waiting = this.#waiting;
    if (waiting !== null) {
      this.#waiting = null;
      waiting.resolve({ done: false, value: chunk });
      return true;
    }
    this.#chunks.push(chunk);
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes < HIGH_WATER_MARK_BYTES) return true;
    this.#paused = true;
    return false;
  }

  /** The upstream sent its last byte. */
  end(): void {
    if (this.#settled || this.#ended) return;
    this.#ended = true;
    const collecting = this.#collecting;
    if (collecting !== null) {
      this.#settle();
      collecting.resolve({ bytes: this.#concat(), complete: true });
      return;
    }
    const waiting = this.#waiting;
    if (waiting !== null) {
      this.#waiting = null;
      this.#settle();
      waiting.resolve({ done: true, value: undefined });
    }
  }

  /** The exchange failed (reset, body timeout, the attempt's abort): queued bytes are dropped and the reader gets `err`. */
  fail(err: Error): void {
    if (this.#settled) return;
    this.#error = err;
    this.#chunks = [];
    this.#queuedBytes = 0;
    this.#settle();
    const collecting = this.#collecting;
    if (collecting !== null) collecting.reject(err);
    const waiting = this.#waiting;
    if (waiting !== null) {
      this.#waiting = null;
      this.#errorThrown = true;
      waiting.reject(err);
    }
  }

  // ---- read by its one consumer ----

  /**
   * The whole body as one Buffer, at most `maxBytes` of it. Past the limit (or when the declared
   * Content-Length already is) the request is torn down, which closes the upstream connection
   * instead of draining it: an upstream sending 300 MiB took the process to 4.3 GB of memory
   * and a V8 abort when bodies were buffered whole (issue 6). Rejects with the exchange's error.
   */
  readAll(maxBytes: number): Promise<LimitedBody> {
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.declaredLength !== null && this.declaredLength > maxBytes) {
      this.#giveUp();
      return Promise.resolve({ bytes: Buffer.alloc(0), complete: false });
    }
    if (this.#queuedBytes > maxBytes) {
      const bytes = this.#concat().subarray(0, maxBytes);
      this.#giveUp();
      return Promise.resolve({ bytes, complete: false });
    }
    if (this.#ended) {
      this.#settle();
      return Promise.resolve({ bytes: this.#concat(), complete: true });
    }
    return new Promise<LimitedBody>((resolve, reject) => {
      this.#collecting = { maxBytes, resolve, reject };
      this.#resumeIfPaused();
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.#chunks.length > 0) {
      const chunk = this.#chunks.shift()!;
      this.#queuedBytes -= chunk.length;
      if (this.#queuedBytes < HIGH_WATER_MARK_BYTES) this.#resumeIfPaused();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#error !== null && !this.#errorThrown) {
      this.#errorThrown = true;
      return Promise.reject(this.#error);
    }
    if (this.#ended || this.#settled) {
      this.#settle();
      return Promise.resolve({ done: true, value: undefined });
    }
    this.#resumeIfPaused();
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** The reader stopped early (a `break` or a throw in its loop): the upstream request is torn down. */
  return(): Promise<IteratorResult<Buffer>> {
    this.#giveUp();
    return Promise.resolve({ done: true, value: undefined });
  }

  #collect(collecting: Collecting, chunk: Buffer): boolean {
    if (this.#queuedBytes + chunk.length > collecting.maxBytes) {
      this.#chunks.push(chunk.subarray(0, collecting.maxBytes - this.#queuedBytes));
      this.#queuedBytes = collecting.maxBytes;
      const bytes = this.#concat();
      this.#giveUp();
      collecting.resolve({ bytes, complete: false });
      return true;
    }
    this.#chunks.push(chunk);
    this.#queuedBytes += chunk.length;
    return true;
  }

  /** The rest of the body is not wanted: settle, and tear the request down (a no-op once undici is done with it). */
  #giveUp(): void {
    if (this.#settled) return;
    this.#chunks = [];
    this.#queuedBytes = 0;
    this.#settle();
    if (!this.#ended) this.#abortRequest(new undiciErrors.RequestAbortedError());
  }

  #resumeIfPaused(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#resumeConnection();
  }

  #concat(): Buffer {
    const chunks = this.#chunks;
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#queuedBytes);
    this.#chunks = [];
    this.#queuedBytes = 0;
    return bytes;
  }

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    const callbacks = this.#onSettled;
    this.#onSettled = null;
    if (callbacks !== null) for (const callback of callbacks) callback();
  }
}
