import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { AbortSignalLike } from '../routing/attempt-abort.ts';
import { UpstreamBody } from './upstream-body.ts';

/** An upstream's answer: status and headers in, the body still to be read (once). */
export interface UpstreamAnswer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: UpstreamBody;
}

/** One POST to an upstream. */
export interface UpstreamPost {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** Response headers within this, else undici fails the request with a HeadersTimeoutError. */
  readonly headersTimeoutMs: number;
  /** Each idle gap in the body within this, else a BodyTimeoutError. */
  readonly bodyTimeoutMs: number;
}

/**
 * POSTs through `dispatcher` with undici's `dispatch()` and resolves when the response headers
 * are in. It replaces undici's `request()`, which per request builds an AsyncResource handler,
 * a Node Readable for the body with its async iterator, and an abort listener on an AbortSignal:
 * on the floor bench, `dispatch()` alone used 38 % less CPU (issue 11). Here the handler is one
 * small object, the body an {@link UpstreamBody}, and the abort a listener on the attempt's
 * {@link AbortSignalLike}: when it fires (client gone, a deadline of the attempt) the request is
 * torn down whether it is queued, waiting for headers or streaming its body, and the body's
 * reader gets the abort's reason. Before the headers, failures reject the promise (undici's
 * errors as they are); after, they fail the body.
 */
export function dispatchUpstream(dispatcher: Dispatcher, url: string, post: UpstreamPost, signal: AbortSignalLike): Promise<UpstreamAnswer> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const { origin, path } = targetOf(url);
  return new Promise<UpstreamAnswer>((resolve, reject) => {
    const handler = new UpstreamExchange(signal, resolve, reject);
    dispatcher.dispatch({ origin, path, method: 'POST', headers: post.headers, body: post.body, headersTimeout: post.headersTimeoutMs, bodyTimeout: post.bodyTimeoutMs }, handler);
  });
}

/**
 * undici's handler for one upstream exchange, in the callback form its Client calls directly
 * (`onConnect`/`onHeaders`/`onData`/…: the newer `onRequestStart` form goes through an adapter
 * object per request). Wrapped by sentOnce on the h2 pool like any other handler.
 */
class UpstreamExchange implements Dispatcher.DispatchHandler {
  /** undici's abort for this request while it runs; null before it is written and after it is over. */
  #abortRequest: ((err: Error) => void) | null = null;
  #body: UpstreamBody | null = null;
  #over = false;
  readonly #onAbort = (): void => this.#aborted();

  constructor(
    private readonly signal: AbortSignalLike,
    private readonly resolve: (answer: UpstreamAnswer) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.signal.aborted) {
      abort(this.signal.reason as Error);
      return;
    }
    this.#abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[], resume: () => void): boolean {
    // 1xx (100 Continue, 103 Early Hints) come before the real answer.
    if (statusCode < 200) return true;
    const body = new UpstreamBody((err) => this.#abortRequest?.(err), resume, declaredLength(rawHeaders));
    this.#body = body;
    this.resolve(new Answer(statusCode, rawHeaders, body));
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.#body!.push(chunk);
  }

  onComplete(): void {
    this.#finish();
    this.#body!.end();
  }

  onError(err: Error): void {
    this.#finish();
    if (this.#body === null) this.reject(err);
    else this.#body.fail(err);
  }

  #finish(): void {
    this.#over = true;
    this.#abortRequest = null;
    this.signal.removeEventListener('abort', this.#onAbort);
  }

  /** The attempt was aborted: tear the request down (or, queued, at its onConnect), and fail a body already handed out. */
  #aborted(): void {
    if (this.#over) return;
    const reason = this.signal.reason as Error;
    const abort = this.#abortRequest;
    // undici answers its abort with onError(reason), which fails the body or rejects the promise.
    if (abort !== null) abort(reason);
    else this.#body?.fail(reason);
  }
}

/** An answer whose headers are parsed only when read: the success path needs Content-Length alone. */
class Answer implements UpstreamAnswer {
  #headers: IncomingHttpHeaders | null = null;

  constructor(
    readonly statusCode: number,
    private readonly rawHeaders: Buffer[] | string[],
    readonly body: UpstreamBody,
  ) {}

  get headers(): IncomingHttpHeaders {
    return (this.#headers ??= parseRawHeaders(this.rawHeaders));
  }
}

const CONTENT_LENGTH = 'content-length';

/** The Content-Length the upstream declared; null when none, repeated, or not a plain number. */
function declaredLength(raw: Buffer[] | string[]): number | null {
  let found: string | null = null;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== CONTENT_LENGTH.length || name.toString().toLowerCase() !== CONTENT_LENGTH) continue;
    if (found !== null) return null;
    found = raw[i + 1]!.toString();
  }
  return found !== null && /^\d+$/.test(found) ? Number(found) : null;
}

/** Response headers as Node's `IncomingHttpHeaders`: names lower-cased, repeated ones as arrays. */
function parseRawHeaders(raw: Buffer[] | string[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString().toLowerCase();
    if (name === '__proto__') continue;
    const value = raw[i + 1]!.toString();
    const seen = headers[name];
    if (seen === undefined) headers[name] = value;
    else if (typeof seen === 'string') headers[name] = [seen, value];
    else seen.push(value);
  }
  return headers;
}

/** Origins and paths of upstream URLs: a handful (one per deployment and operation), parsed once each. */
const targets = new Map<string, { origin: string; path: string }>();
const TARGETS_MAX = 1024;

function targetOf(url: string): { origin: string; path: string } {
  let target = targets.get(url);
  if (target === undefined) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (targets.size >= TARGETS_MAX) targets.clear();
    targets.set(url, target);
  }
  return target;
}
