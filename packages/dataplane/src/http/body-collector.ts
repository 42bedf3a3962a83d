import { RelayError } from '@proxystacks/shared/errors/relay-error';

/** Limits for one request body. */
export interface BodyCollectorOptions {
  /** Refuse (413) a body larger than this many bytes; exactly `maxBytes` is accepted. */
  readonly maxBytes: number;
  /** The request's Content-Length, or null when it sent none (chunked). */
  readonly declaredLength: number | null;
  /**
   * Called before each chunk is kept, with its size in bytes; returns false to refuse the body
   * (the process-wide buffered-body budget, see body-budget.ts). Defaults to always true.
   */
  readonly reserve?: (bytes: number) => boolean;
}

/** What a collector says after each chunk. */
export type BodyCollectorStep = { readonly done: false } | { readonly done: true; readonly body: Buffer };

/**
 * Collects a request body from transport chunks, without I/O, so it can be tested against any
 * chunking. Enforces the size cap on every chunk (an oversized upload is never buffered past
 * the cap), and that the body ends at exactly its Content-Length. Chunks are copied: uWS
 * neuters the ArrayBuffer it hands to `onData` as soon as the callback returns.
 *
 * After a refusal (a thrown RelayError) the collector is spent: further pushes throw again.
 *
 * @example
 * const body = createBodyCollector({ maxBytes: 1024, declaredLength: null });
 * body.push(chunk1, false); // { done: false }
 * body.push(chunk2, true);  // { done: true, body }
 */
export interface BodyCollector {
  push(chunk: ArrayBuffer | Uint8Array, isLast: boolean): BodyCollectorStep;
  /** Bytes kept so far. */
  readonly receivedBytes: number;
}

export function createBodyCollector(options: BodyCollectorOptions): BodyCollector {
  if (options.declaredLength !== null && options.declaredLength > options.maxBytes) throw bodyTooLarge(options.maxBytes);
  return new ChunkCollector(options);
}

/**
 * The collector as a class: every request makes one, and an object literal with a getter and
 * closures cost an accessor pair and three closures per request (issue 11's profile).
 */
class ChunkCollector implements BodyCollector {
  readonly #maxBytes: number;
  readonly #declaredLength: number | null;
  readonly #reserve: ((bytes: number) => boolean) | null;
  readonly #chunks: Buffer[] = [];
  #receivedBytes = 0;
  #failure: RelayError | null = null;

  constructor(options: BodyCollectorOptions) {
    this.#maxBytes = options.maxBytes;
    this.#declaredLength = options.declaredLength;
    this.#reserve = options.reserve ?? null;
  }

  get receivedBytes(): number {
    return this.#receivedBytes;
  }

  push(chunk: ArrayBuffer | Uint8Array, isLast: boolean): BodyCollectorStep {
    if (this.#failure !== null) throw this.#failure;
    const declaredLength = this.#declaredLength;
    const size = chunk.byteLength;
    const total = this.#receivedBytes + size;
    if (total > this.#maxBytes) this.#refuse(bodyTooLarge(this.#maxBytes));
    if (declaredLength !== null && total > declaredLength) this.#refuse(lengthMismatch(declaredLength));
    if (size > 0) {
      if (this.#reserve !== null && !this.#reserve(size)) this.#refuse(overloaded());
      const view = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
      this.#chunks.push(Buffer.from(view)); // Buffer.from(Uint8Array) copies.
      this.#receivedBytes = total;
    }
    if (!isLast) return NOT_DONE;
    if (declaredLength !== null && this.#receivedBytes !== declaredLength) this.#refuse(lengthMismatch(declaredLength));
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#receivedBytes);
    chunks.length = 0;
    return { done: true, body };
  }

  #refuse(err: RelayError): never {
    this.#failure = err;
    this.#chunks.length = 0;
    throw err;
  }
}

const NOT_DONE: BodyCollectorStep = { done: false };

function bodyTooLarge(maxBytes: number): RelayError {
  return new RelayError('body_too_large', `The request body is larger than the limit of ${maxBytes} bytes.`);
}

function lengthMismatch(declaredLength: number): RelayError {
  return new RelayError('invalid_content_length', `The request body does not match its Content-Length of ${declaredLength} bytes.`);
}

/** The process is buffering as many request bytes as it may; the client should retry shortly. */
export function overloaded(): RelayError {
  return new RelayError('server_overloaded', 'The gateway is receiving too many request bodies at once. Retry shortly.');
}
