import { errors as undiciErrors } from 'undici';
import type { UpstreamDispatchers } from '../upstream/upstream-dispatchers.ts';
import { dispatchUpstream, type UpstreamAnswer } from '../upstream/upstream-exchange.ts';
import type { LimitedBody } from '../upstream/upstream-body.ts';
import type { UpstreamCall } from './provider-adapter.ts';
import { upstreamAddressRefused, upstreamResponseTooLarge, upstreamTransportError } from './upstream-errors.ts';
import { isUpstreamAddressRefused } from '../upstream/address-guarded-connector.ts';
import { upstreamTimedOut } from '../routing/attempt-timer.ts';

export type { UpstreamAnswer } from '../upstream/upstream-exchange.ts';

/** What posting needs of a call (chat or embeddings): where it goes, and the attempt's abort. */
export type UpstreamTarget = Pick<UpstreamCall, 'deployment' | 'signal' | 'headersTimeoutMs' | 'traceparent'>;

/** How every adapter reaches its upstream. */
export interface PostUpstreamOptions {
  /** Keep-alive pools shared by every upstream, behind the address-guarded connector: one per provider `http2` setting. */
  dispatchers: UpstreamDispatchers;
  /** Headers and each idle gap in a body must come within this. */
  timeoutMs: number;
}

/**
 * How much of an upstream error body is read: enough for any real provider's error JSON. The
 * rest is never read (the connection is closed): a 300 MiB error body added 471 MB of memory
 * and stalled the process for 7.8 s when error bodies were read whole (issue 6).
 */
export const UPSTREAM_ERROR_BODY_MAX_BYTES = 64 * 1024;

/**
 * POSTs a JSON body for `call`, whatever the provider's wire, with the provider's extra headers
 * (the adapter's own headers win; reserved names were refused when they were configured). A connection refused by the
 * address policy, a transport failure or a header timeout becomes the matching RelayError; a
 * client abort is rethrown as it is (the route sees `ex.aborted`).
 */
export async function postUpstream(call: UpstreamTarget, url: string, headers: Readonly<Record<string, string>>, body: string | Buffer, options: PostUpstreamOptions): Promise<UpstreamAnswer> {
  const extra = call.deployment.provider.extraHeaders;
  let sent = extra === null ? headers : { ...extra, ...headers };
  // The attempt's span is the upstream's parent (W3C Trace Context); only when tracing is on.
  if (typeof call.traceparent === 'string') sent = { ...sent, traceparent: call.traceparent };
  // As bytes: undici keeps the body it is given (its request handler) and its own Buffer copy of
  // a string body (the queued request) until the answer ends, so a string costs an open stream
  // two copies of its prompt for the stream's whole life; a Buffer is kept once (issue 11).
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  try {
    return await dispatchUpstream(options.dispatchers.of(call.deployment.provider), url, { headers: sent, body: bytes, headersTimeoutMs: call.headersTimeoutMs ?? options.timeoutMs, bodyTimeoutMs: options.timeoutMs }, call.signal);
  } catch (err) {
    if (call.signal.aborted) throw err;
    if (isUpstreamAddressRefused(err)) throw upstreamAddressRefused(call.deployment, err.category);
    if (err instanceof undiciErrors.ConnectTimeoutError) throw upstreamTimedOut(call.deployment, 'connect', null);
    if (err instanceof undiciErrors.HeadersTimeoutError) throw upstreamTimedOut(call.deployment, 'first_token', call.headersTimeoutMs ?? options.timeoutMs);
    throw upstreamTransportError(call.deployment, err, false);
  }
}

/** The text of an error answer, at most UPSTREAM_ERROR_BODY_MAX_BYTES: a cut-off body is still worth its prefix (it usually holds the code). */
export async function readUpstreamErrorText(answer: UpstreamAnswer): Promise<string> {
  const read = await answer.body.readAll(UPSTREAM_ERROR_BODY_MAX_BYTES).catch(() => null);
  return read?.bytes.toString('utf8') ?? '';
}

/** A whole JSON answer, refused past `maxBodyBytes` (`upstream_response_too_large`); a body timeout or reset is a transport error. */
export async function readUpstreamAnswer(call: UpstreamTarget, answer: UpstreamAnswer, maxBodyBytes: number): Promise<Buffer> {
  let read: LimitedBody;
  try {
    read = await answer.body.readAll(maxBodyBytes);
  } catch (err) {
    if (call.signal.aborted) throw err;
    if (err instanceof undiciErrors.BodyTimeoutError) throw upstreamTimedOut(call.deployment, 'idle', null);
    throw upstreamTransportError(call.deployment, err, false);
  }
  if (!read.complete) throw upstreamResponseTooLarge(call.deployment, 'answer', maxBodyBytes);
  return read.bytes;
}
