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
  const { maxBytes, declaredLength } = options;
  const reserve = options.reserve ?? (() => true);
  if (declaredLength !== null && declaredLength > maxBytes) throw bodyTooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let receivedBytes = 0;
  let failure: RelayError | null = null;

  function refuse(err: RelayError): never {
    failure = err;
    chunks.length = 0;
    throw err;
  }

  return {
    get receivedBytes() {
      return receivedBytes;
    },
    push(chunk, isLast) {
      if (failure !== null) throw failure;
      const size = chunk.byteLength;
      const total = receivedBytes + size;
      if (total > maxBytes) refuse(bodyTooLarge(maxBytes));
      if (declaredLength !== null && total > declaredLength) refuse(lengthMismatch(declaredLength));
      if (size > 0) {
        if (!reserve(size)) refuse(overloaded());
        const view = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
        chunks.push(Buffer.from(view)); // Buffer.from(Uint8Array) copies.
        receivedBytes = total;
      }
      if (!isLast) return { done: false };
      if (declaredLength !== null && receivedBytes !== declaredLength) refuse(lengthMismatch(declaredLength));
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, receivedBytes);
      chunks.length = 0;
      return { done: true, body };
    },
  };
}

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
