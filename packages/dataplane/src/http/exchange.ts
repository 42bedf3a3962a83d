import { randomFillSync } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { RelayError, isRelayError } from '@proxystacks/shared/errors/relay-error';
import type { BodyLease } from './body-budget.ts';
import { createBodyCollector, overloaded, type BodyCollector } from './body-collector.ts';
import { OPENAI_ERROR_WIRE, type ErrorWire } from './error-wire.ts';
import type { RequestSpan } from '../tracing/request-tracing.ts';

/**
 * Holds an answer's final bytes until `send` is called: the metered routes pass the event
 * queue's `whenLogged`, so the request's event is in the event log before the client can see a
 * complete answer.
 */
export type FinalBytesGate = (send: () => void) => void;

/** What a route's API changes about the exchange, decided before its handler returns. */
export interface ExchangeOptions {
  /** The shape of its errors (default OpenAI's). */
  errorWire?: ErrorWire;
  /**
   * A header that also carries the API key, tried before `Authorization` (Anthropic's SDKs send
   * `x-api-key`); its value is taken as `Bearer <value>`.
   */
  apiKeyHeader?: string;
}

/**
 * One HTTP request/response on the data plane, wrapping uWS's response with what uWS leaves
 * to us: abort tracking (answering an aborted response crashes the process), corked writes from
 * async code, `onWritable` backpressure as a promise, and the request id on every answer.
 *
 * Everything read from `HttpRequest` must be copied here synchronously: uWS invalidates the
 * request object as soon as the handler returns.
 */
export class Exchange {
  readonly requestId = newRequestId();
  /** Wall-clock arrival, for the event timestamp. */
  readonly arrivedAt = Date.now();
  /** Monotonic arrival, for latencies. */
  readonly startedAt = performance.now();
  /** The credential presented, as an Authorization header value (`Bearer …`). */
  readonly authorization: string;
  /** How this request's errors are written (ExchangeOptions.errorWire). */
  readonly errorWire: ErrorWire;
  readonly contentLength: number | null;
  aborted = false;
  /** Close the connection after the answer (its framing cannot be trusted, e.g. conflicting Content-Length). */
  closeAfterAnswer = false;
  /** Headers added to whatever answer goes out (the key's x-ratelimit-* headers); null = none. */
  extraHeaders: Record<string, string> | null = null;
  /**
   * Computes the extra headers when an answer goes out while `extraHeaders` is still null: an
   * answer before admission (a bad body, an unknown model) carries the key's rate-limit figures
   * too, and an admitted request computes them once, after its reservation, not twice.
   */
  extraHeadersIfUnset: (() => Record<string, string> | null) | null = null;
  /**
   * Headers computed as the status line is written (the route's x-relay-* headers: they report
   * times and figures known only then); null = none. `complete` is false for a stream's headers.
   */
  lateHeaders: ((complete: boolean) => Record<string, string> | null) | null = null;
  /** True once the status line went out: later failures can only end the body. */
  headersSent = false;
  finished = false;
  /** The request's server span when tracing is on (set by the app before the handler runs); null when off. */
  trace: RequestSpan | null = null;
  /** Its slot among the requests in flight (InFlightExchanges); -1 when not there. */
  inFlightIndex = -1;
  /** Monotonic time the response was completed; null while it is open. */
  #finishedAt: number | null = null;
  readonly #res: HttpResponse;
  readonly #abortHandlers: Array<() => void> = [];
  #writableWaiter: (() => void) | null = null;
  #beforeFinalBytes: (() => void) | null = null;
  #finalBytesGate: FinalBytesGate | null = null;

  constructor(res: HttpResponse, req: HttpRequest, options: ExchangeOptions = {}) {
    this.#res = res;
    const apiKey = options.apiKeyHeader === undefined ? '' : req.getHeader(options.apiKeyHeader);
    this.authorization = apiKey === '' ? req.getHeader('authorization') : `Bearer ${apiKey}`;
    this.errorWire = options.errorWire ?? OPENAI_ERROR_WIRE;
    const length = req.getHeader('content-length');
    this.contentLength = /^\d+$/.test(length) ? Number(length) : null;
    res.onAborted(() => {
      this.aborted = true;
      this.#writableWaiter?.();
      for (const handler of this.#abortHandlers) handler();
    });
    res.onWritable(() => {
      const waiter = this.#writableWaiter;
      this.#writableWaiter = null;
      waiter?.();
      return true;
    });
  }

  /** Runs `handler` when the client goes away before the response is finished. */
  onAbort(handler: () => void): void {
    if (this.aborted) handler();
    else this.#abortHandlers.push(handler);
  }

  /**
   * Reads the whole body, refusing more than `maxBytes` (checked against Content-Length first,
   * then on every chunk, so an oversized upload is never buffered). With a `lease`, the bytes
   * also count against the process-wide body budget: reserved up front from Content-Length, or
   * chunk by chunk for a chunked upload; past it the answer is 503 `server_overloaded`.
   */
  readBody(maxBytes: number, lease?: BodyLease): Promise<Buffer> {
    let collector: BodyCollector;
    try {
      collector = createBodyCollector({
        maxBytes,
        declaredLength: this.contentLength,
        ...(lease === undefined || this.contentLength !== null ? {} : { reserve: (bytes: number) => lease.reserve(bytes) }),
      });
      if (lease !== undefined && this.contentLength !== null && !lease.reserve(this.contentLength)) throw overloaded();
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      let done = false;
      this.onAbort(() => {
        if (!done) reject(new RelayError('invalid_value', 'The client closed the connection.'));
        done = true;
      });
      this.#res.onData((chunk, isLast) => {
        if (done) return;
        try {
          const step = collector.push(chunk, isLast);
          if (!step.done) return;
          done = true;
          resolve(step.body);
        } catch (err) {
          done = true;
          reject(err);
        }
      });
    });
  }

  /**
   * Registers the hook run once, synchronously, when the response's final bytes are ready (the
   * body of send(), the chunk of endWith(), or end()): the route records the request's event
   * there. Not run when the client went away first (nothing final is sent then). With a `gate`
   * the final bytes then go through it: the metered routes hold them until the event is in the
   * event log, so the client never sees a complete answer whose event a crash could lose.
   */
  beforeFinalBytes(hook: () => void, gate?: FinalBytesGate): void {
    this.#beforeFinalBytes = hook;
    this.#finalBytesGate = gate ?? null;
  }

  /** Sends the final bytes through the gate, if the route set one; never to a client that went away meanwhile. */
  #sendFinal(write: () => void): void {
    const gate = this.#finalBytesGate;
    if (gate === null) {
      this.#res.cork(write);
      return;
    }
    gate(() => {
      if (!this.aborted) this.#res.cork(write);
    });
  }

  /** Marks the response finished (latency stops here) and runs the before-final-bytes hook. */
  #finishing(): void {
    this.finished = true;
    this.#finishedAt = performance.now();
    const hook = this.#beforeFinalBytes;
    this.#beforeFinalBytes = null;
    hook?.();
  }

  /** Sends a complete response. Does nothing when the client is gone or an answer went out. */
  send(status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
    if (this.aborted || this.finished) return;
    this.#finishing();
    this.headersSent = true;
    this.#sendFinal(() => {
      this.#writeHead(status, contentType, headers, true);
      this.#res.end(body, this.closeAfterAnswer);
    });
  }

  sendJson(status: number, body: string | Buffer, headers?: Record<string, string>): void {
    this.send(status, 'application/json', body, headers);
  }

  /**
   * Answers with an error in the request's wire (OpenAI-shaped unless the route said otherwise).
   * `x-should-retry` tells the OpenAI and Anthropic SDKs whether to retry, so their retries do
   * not multiply the gateway's own fallbacks; `retry-after`, where the code table names one,
   * tells them how long to wait.
   */
  sendError(err: unknown): void {
    const { status, body, retryable, retryAfterSeconds } = this.errorWire.answer(err, this.requestId);
    const headers: Record<string, string> = { 'x-should-retry': retryable ? 'true' : 'false' };
    if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
    this.sendJson(status, JSON.stringify(body), headers);
  }

  /** Starts a streamed (chunked) response: writes the status line and headers, no body yet. */
  startStream(status: number, contentType: string, headers: Record<string, string> = {}): void {
    if (this.aborted || this.headersSent) return;
    this.headersSent = true;
    this.#res.cork(() => this.#writeHead(status, contentType, headers, false));
  }

  /**
   * Writes a body chunk. Resolves at once when uWS took it without buffering; otherwise when
   * the socket drained (`onWritable`) or the client went away. The caller stops reading the
   * upstream until then: that is the backpressure.
   */
  write(chunk: Uint8Array | string): Promise<void> | null {
    if (this.aborted || this.finished) return null;
    let accepted = true;
    this.#res.cork(() => {
      accepted = this.#res.write(chunk);
    });
    if (accepted) return null;
    return new Promise((resolve) => {
      this.#writableWaiter = resolve;
    });
  }

  /** Ends a streamed response. */
  end(): void {
    if (this.aborted || this.finished) return;
    this.#finishing();
    this.#sendFinal(() => this.#res.end());
  }

  /**
   * Ends a streamed response with its terminal chunk (`data: [DONE]`, or an error event): the
   * final-write path, so the before-final-bytes hook runs before that chunk reaches uWS.
   */
  endWith(chunk: Uint8Array | string): void {
    if (this.aborted || this.finished) return;
    this.#finishing();
    this.#sendFinal(() => this.#res.end(chunk));
  }

  /** Closes the connection at once (shutdown past its grace period); the handler sees an abort. */
  forceClose(): void {
    if (this.aborted || this.finished) return;
    this.#res.close();
  }

  /** Status line and headers; every answer carries the request id. Call inside cork(). */
  #writeHead(status: number, contentType: string, headers: Record<string, string>, complete: boolean): void {
    this.#res.writeStatus(statusLine(status));
    this.#res.writeHeader('content-type', contentType);
    this.#res.writeHeader('x-request-id', this.requestId);
    for (const name in headers) this.#res.writeHeader(name, headers[name]!);
    const extra = this.extraHeaders ?? this.extraHeadersIfUnset?.() ?? null;
    if (extra !== null) for (const name in extra) this.#res.writeHeader(name, extra[name]!);
    const late = this.lateHeaders?.(complete) ?? null;
    if (late !== null) for (const name in late) this.#res.writeHeader(name, late[name]!);
  }

  /** Arrival to the last byte sent (or to now, while the response is still open). */
  latencyMs(): number {
    return Math.round((this.#finishedAt ?? performance.now()) - this.startedAt);
  }

  /** Milliseconds since arrival. */
  elapsedMs(): number {
    return Math.round(performance.now() - this.startedAt);
  }
}

function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
}

/** Random bytes for request ids, refilled once every 256 ids (a dedicated buffer, never Buffer's shared pool). */
const ID_BYTES = 16;
const idPool = Buffer.alloc(ID_BYTES * 256);
let idPoolOffset = idPool.length;

/**
 * `req_` + 32 hex characters (128 random bits from the CSPRNG): unique enough to find one request
 * among billions. Drawn from a pool filled 4 KiB at a time, as randomUUID does internally, but
 * hex-encoded in one step: randomUUID's dashed string and the copy without its dashes cost ~0.9 KB
 * of garbage per request (issue 11's allocation profile).
 */
export function newRequestId(): string {
  if (idPoolOffset === idPool.length) {
    randomFillSync(idPool);
    idPoolOffset = 0;
  }
  const hex = idPool.toString('hex', idPoolOffset, idPoolOffset + ID_BYTES);
  idPoolOffset += ID_BYTES;
  return `req_${hex}`;
}
