import type { Dispatcher } from 'undici';

/**
 * A request through the h2 pool that undici asked to write a second time. Internal: the adapter
 * turns it into a transport error like any other, and the router decides what happens next.
 */
export class UpstreamResendRefusedError extends Error {
  override readonly name = 'UpstreamResendRefusedError';
  readonly code = 'UPSTREAM_RESEND_REFUSED';
  constructor() {
    super('A request already written to an upstream connection was not written again');
  }
}

/** The legacy handler shape undici's Client calls (its Agent and Pool hand it on as such). */
type LegacyHandler = Omit<Dispatcher.DispatchHandler, 'onConnect'> & { onConnect?(abort: (err?: Error) => void, context?: object): void };

/**
 * Wraps the handler undici's Client gets, so the request is written to an upstream at most once.
 *
 * Requests through the h2 pool are marked idempotent (so one connection carries several POSTs),
 * and undici's Client re-queues the requests that were running on a connection when it is lost
 * (GOAWAY, socket closed: `kPendingIdx = kRunningIdx`), counting on each one's stream to abort it
 * first. On 7.30 they always are (the streams close before any new connection is up); if a later
 * version or a race ever re-wrote one, the upstream would run a chat completion twice, and bill it
 * twice, with nobody told. undici calls `onConnect` each time it writes a request: the second call
 * aborts it before a byte leaves, and the caller sees a transport error.
 */
export function sentOnce(handler: LegacyHandler): LegacyHandler {
  return new SentOnceHandler(handler);
}

/**
 * {@link sentOnce}'s wrapper, a class: one object per request with its methods on the prototype
 * (an object literal of eight closures cost ~3 µs per request under load, issue 11's profile).
 */
class SentOnceHandler implements LegacyHandler {
  #written = false;

  constructor(private readonly handler: LegacyHandler) {}

  onConnect(abort: (err?: Error) => void, context?: object): void {
    if (this.#written) {
      abort(new UpstreamResendRefusedError());
      return;
    }
    this.#written = true;
    this.handler.onConnect?.(abort, context);
  }

  onResponseStarted(): void {
    this.handler.onResponseStarted?.();
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    return this.handler.onHeaders?.(statusCode, headers, resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    return this.handler.onData?.(chunk) ?? true;
  }

  onComplete(trailers: string[] | null): void {
    this.handler.onComplete?.(trailers);
  }

  onError(err: Error): void {
    this.handler.onError?.(err);
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: Parameters<NonNullable<LegacyHandler['onUpgrade']>>[2]): void {
    this.handler.onUpgrade?.(statusCode, headers, socket);
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void {
    this.handler.onBodySent?.(chunkSize, totalBytesSent);
  }
}
