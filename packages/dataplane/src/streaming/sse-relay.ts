import type { ChatUsage } from '@proxystacks/shared/openai/wire';
import type { ErrorCode } from '@proxystacks/shared/errors/error-codes';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { toOpenAIError } from '@proxystacks/shared/errors/openai-error';
import { SSE_DONE } from '@proxystacks/shared/openai/wire';
import type { StreamEnd } from '@proxystacks/shared/events/request-event';
import type { Exchange } from '../http/exchange.ts';
import type { SseRenderer } from '../chat/chat-surface.ts';
import { spliceUsageCost } from '../metering/usage-cost.ts';
import { eventData, SseEventTooLarge, SseScanner } from './sse-scanner.ts';

/** What a relayed stream produced, for metering and the event. */
export interface StreamOutcome {
  end: Exclude<StreamEnd, ''>;
  usage: ChatUsage | null;
  finishReason: string;
  /** Events that carried generated content: the completion estimate when usage never came. */
  contentEvents: number;
  /** Milliseconds from arrival to the first generated content; null if none. */
  ttftMs: number | null;
  errorCode: ErrorCode | '';
  upstreamErrorCode: string;
}

export interface RelayOptions {
  upstream: AsyncIterable<Uint8Array>;
  exchange: Exchange;
  /** The client asked for `stream_options.include_usage`; otherwise the usage chunk is removed. */
  clientWantsUsage: boolean;
  /**
   * Awaited with the stream's outcome just before its terminal event (`[DONE]` or the error
   * event) is written, i.e. before the client can see the answer complete: the route records
   * the request's event here (see Exchange.beforeFinalBytes).
   */
  beforeTerminal?: (outcome: StreamOutcome) => Promise<void> | void;
  /** Largest single event accepted (UPSTREAM_MAX_SSE_EVENT_BYTES): the stream ends with an error past it. */
  maxEventBytes: number;
  /**
   * Output charged as it arrives (issue 8): once the content events passed `outputReserved`,
   * `extendOutput` reserves more; a refusal ends the stream with it as the terminal error event.
   */
  outputCharge?: { readonly outputReserved: number; extendOutput(outputTokens: number): Promise<RelayError | null> } | null;
  /**
   * Re-renders the OpenAI chunks for another API surface (Responses, Anthropic Messages). It
   * sees every event, usage chunk included (pass `clientWantsUsage: true` with it), and writes
   * the closing bytes; absent, chunks go out as the upstream sent them.
   */
  renderer?: SseRenderer | null;
  /** Called once, when the first generated content (or tool call) arrives: the attempt's first-token deadline stops. */
  onFirstContent?: () => void;
  /** The cost of the stream's usage (micros): added as `cost`/`cost_micros` to the usage chunk the client gets. */
  usageCost?: ((usage: ChatUsage) => number) | null;
  /**
   * Sees each upstream chunk as it arrives, before the relay looks at it (the route's timing and
   * the response cache's capture): a plain call, not a wrapper around the upstream iterator, which
   * cost every chunk another promise.
   */
  onUpstreamChunk?: ((chunk: Uint8Array) => void) | null;
}

/**
 * Most bytes held back before the first content: the role-only chunk and the odd empty one are
 * far below it; an upstream that sends more without content is relayed as it comes.
 */
const HOLD_MAX_BYTES = 16 * 1024;

/**
 * Thrown when an upstream stream failed before a single byte reached the client: nothing is
 * committed yet, so the caller may still try the next deployment or answer with a plain error.
 */
export class StreamFailedBeforeStart extends Error {
  override readonly name = 'StreamFailedBeforeStart';
  constructor(
    readonly upstreamErrorCode: string,
    /** `upstream_response_too_large` when the first event passed the byte limit; else `upstream_error`. */
    readonly code: 'upstream_error' | 'upstream_response_too_large' = 'upstream_error',
  ) {
    super('The upstream stream failed before anything was sent to the client');
  }
}

// What inspect looks for in an event's bytes. Every needle but [DONE] is a JSON key, so it
// starts with a quote: one pass over the bytes stops at each quote and compares the few
// candidates its next byte allows. Searching for each needle in turn (String#indexOf over the
// event read as latin1) cost about a microsecond an event: JSON is full of quotes, so a search
// for a needle that starts with one stops at every key and value, and V8 then switches to
// Boyer-Moore-Horspool, whose table is built again for every search.
const DONE = Buffer.from('[DONE]');
const CONTENT = Buffer.from('"content":"');
const TOOL_CALLS = Buffer.from('"tool_calls":[');
const USAGE = Buffer.from('"usage"');
const USAGE_NULL = Buffer.from('"usage":null');
const USAGE_NULL_SPACED = Buffer.from('"usage": null');
const COMMA_USAGE_NULL = Buffer.from(',"usage":null');
const FINISH_KEY = Buffer.from('"finish_reason":');
const ERROR = Buffer.from('"error"');
const QUOTE = 0x22;

/** Where inspect's needles are in one event (-1 / false when absent); filled by markEvent, reused. */
const marks = { contentAt: -1, toolCalls: false, usageAt: -1, finishIsString: false, error: false };

/**
 * One pass over `event` filling {@link marks}: the first `"content":"` and `"usage"`, whether a
 * `"finish_reason":` is followed by a string (not null), whether `"tool_calls":[` or `"error"`
 * occur. Inside a JSON string every quote is escaped, so each match is a key.
 */
function markEvent(event: Buffer): void {
  marks.contentAt = -1;
  marks.toolCalls = false;
  marks.usageAt = -1;
  marks.finishIsString = false;
  marks.error = false;
  const length = event.length;
  for (let i = 0; i < length; i++) {
    if (event[i] !== QUOTE) continue;
    switch (event[i + 1]) {
      case 0x63: // c
        if (marks.contentAt === -1 && bytesAt(event, i, CONTENT)) marks.contentAt = i;
        break;
      case 0x75: // u
        if (marks.usageAt === -1 && bytesAt(event, i, USAGE)) marks.usageAt = i;
        break;
      case 0x66: // f
        if (!marks.finishIsString && bytesAt(event, i, FINISH_KEY)) {
          let value = i + FINISH_KEY.length;
          if (event[value] === 0x20) value++;
          marks.finishIsString = event[value] === QUOTE;
        }
        break;
      case 0x65: // e
        if (!marks.error && bytesAt(event, i, ERROR)) marks.error = true;
        break;
      case 0x74: // t
        if (!marks.toolCalls && bytesAt(event, i, TOOL_CALLS)) marks.toolCalls = true;
        break;
    }
  }
}

/** Whether `needle` sits in `event` at `at`. */
function bytesAt(event: Buffer, at: number, needle: Buffer): boolean {
  if (at + needle.length > event.length) return false;
  for (let j = 0; j < needle.length; j++) if (event[at + j] !== needle[j]) return false;
  return true;
}

/**
 * Forwards an upstream SSE stream to the client as it arrives, with backpressure both ways:
 * when uWS buffers (write returns false) it stops pulling from the upstream until the socket
 * drains, so a slow client slows the upstream instead of growing memory. Along the way it reads
 * usage, the finish reason and the time to first token from the few events that carry them.
 *
 * Every stream ends with a terminal signal: the upstream's `[DONE]` (or ours, when the upstream
 * finished but forgot it), or an OpenAI-shaped error event when the upstream broke off, so a
 * client can always tell a complete answer from a cut one.
 */
export async function relaySse(options: RelayOptions): Promise<StreamOutcome> {
  const { exchange } = options;
  const scanner = new SseScanner({ maxEventBytes: options.maxEventBytes });
  const outcome: StreamOutcome = { end: 'done', usage: null, finishReason: '', contentEvents: 0, ttftMs: null, errorCode: '', upstreamErrorCode: '' };
  let sawDone = false;
  // What came before the first content (the role-only chunk): held back, so a stream that dies
  // before its first token has sent the client nothing and can still fail over. Null once the
  // stream is committed (first content, finish, [DONE], or HOLD_MAX_BYTES held).
  let held: Buffer[] | null = [];
  try {
    for await (const chunk of options.upstream) {
      options.onUpstreamChunk?.(chunk);
      // After `[DONE]` the client is answered; the loop only lets the upstream body end by
      // itself (breaking out would destroy it with an AbortError, costly on every stream).
      if (sawDone) continue;
      const out: Buffer[] = held ?? [];
      let done: Buffer | null = null;
      for (const event of scanner.push(chunk)) {
        const verdict = inspect(event, outcome, exchange, options, out);
        if (verdict === 'done') {
          sawDone = true;
          done = event;
          break;
        }
        if (verdict === 'upstream-error') {
          // Before any content, held bytes are dropped: nothing reached the client, the next
          // deployment may answer. Content already in this chunk commits the stream.
          if (held === null || outcome.contentEvents > 0 || outcome.finishReason !== '') await flush(exchange, out);
          return failStream(exchange, outcome, 'upstream_error', options);
        }
        if (options.outputCharge && outcome.contentEvents > options.outputCharge.outputReserved) {
          // Output passed its reservation: what arrived so far goes out, the rest waits for the
          // next step to be reserved. Streams carry about one token per content event, the same
          // measure metering falls back on.
          held = null;
          const drained = flush(exchange, out);
          if (drained !== null) await drained;
          out.length = 0;
          const refusal = await options.outputCharge.extendOutput(outcome.contentEvents);
          if (refusal !== null) return cutStream(exchange, outcome, refusal, options);
        }
      }
      if (held !== null) {
        if (done === null && outcome.contentEvents === 0 && outcome.finishReason === '' && byteLength(out) < HOLD_MAX_BYTES) {
          held = out;
          continue;
        }
        held = null;
      }
      const drained = flush(exchange, out);
      if (drained !== null) await drained;
      if (exchange.aborted) return { ...outcome, end: 'client_abort' };
      if (done !== null) await terminate(exchange, outcome, 'done', doneChunk(done, options), options);
    }
  } catch (err) {
    // What the upstream does after `[DONE]` does not matter: the client has its whole answer.
    if (sawDone) return finish(exchange, outcome);
    if (exchange.aborted) return { ...outcome, end: 'client_abort' };
    // Leaving the loop by a throw has already destroyed the upstream body (its connection closes).
    if (err instanceof SseEventTooLarge) return failStream(exchange, outcome, 'upstream_response_too_large', options);
    return failStream(exchange, outcome, 'upstream_stream_interrupted', options);
  }
  if (sawDone) return finish(exchange, outcome);
  if (exchange.aborted) return { ...outcome, end: 'client_abort' };
  // The upstream closed without `[DONE]`. With a finish reason the answer is complete and we
  // add the terminator it forgot; without one it was cut off.
  if (outcome.finishReason === '') return failStream(exchange, outcome, 'upstream_stream_interrupted', options);
  await terminate(exchange, outcome, 'done', doneChunk(SSE_DONE, options), options);
  return finish(exchange, outcome);
}

/**
 * Looks inside one event for what metering needs and queues what the client gets onto `out`;
 * returns 'done' for the terminator, 'upstream-error' for an error event from the upstream, else null.
 * The event's bytes are read once (markEvent); only the rare events that carry usage, a finish
 * reason or an error are decoded and parsed. Nothing is copied: an event goes out as the view
 * the scanner made, and one whose `,"usage":null` the client did not ask for goes out as the
 * two views around it (the chunk's parts are joined once, when written).
 */
export function inspect(event: Buffer, outcome: StreamOutcome, exchange: Pick<Exchange, 'elapsedMs'>, options: RelayOptions, out: Buffer[]): null | 'done' | 'upstream-error' {
  const { clientWantsUsage, onFirstContent, usageCost } = options;
  // `[DONE]` is the whole payload of its event, so a short event is the only candidate.
  if (event.length < 24 && event.indexOf(DONE) !== -1) return 'done';
  markEvent(event);
  const { contentAt, usageAt } = marks;
  if ((contentAt !== -1 && event[contentAt + CONTENT.length] !== QUOTE) || (contentAt === -1 && marks.toolCalls)) {
    outcome.contentEvents++;
    if (outcome.ttftMs === null) {
      outcome.ttftMs = exchange.elapsedMs();
      onFirstContent?.();
    }
  }
  const hasUsage = usageAt !== -1 && !bytesAt(event, usageAt, USAGE_NULL) && !bytesAt(event, usageAt, USAGE_NULL_SPACED);
  if (!hasUsage && !marks.finishIsString && !marks.error) {
    forwardEvent(event, usageAt, clientWantsUsage, options, out);
    return null;
  }

  const data = eventData(event);
  if (data === null) return emit(event, options, out);
  let chunk: { usage?: ChatUsage | null; choices?: Array<{ finish_reason?: string | null }>; error?: { code?: unknown; type?: unknown } };
  try {
    chunk = JSON.parse(data) as typeof chunk;
  } catch {
    return emit(event, options, out);
  }
  if (chunk.error !== undefined && chunk.error !== null && chunk.choices === undefined) {
    const code = chunk.error.code ?? chunk.error.type;
    outcome.upstreamErrorCode = typeof code === 'string' ? code.slice(0, 100) : '';
    return 'upstream-error';
  }
  const finish = chunk.choices?.find((c) => typeof c.finish_reason === 'string')?.finish_reason;
  if (typeof finish === 'string') outcome.finishReason = finish;
  if (!hasUsage || chunk.usage === undefined || chunk.usage === null) {
    forwardEvent(event, usageAt, clientWantsUsage, options, out);
    return null;
  }
  outcome.usage = chunk.usage;
  if (clientWantsUsage) return emit(usageCost ? (spliceUsageCost(event, usageCost(chunk.usage)) ?? event) : event, options, out);
  // The client did not ask for usage: the usage-only chunk goes, and usage riding on a content
  // chunk (some OpenAI-compatible servers do that) is removed from it.
  if (chunk.choices === undefined || chunk.choices.length === 0) return null;
  delete chunk.usage;
  return emit(Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`), options, out);
}

/** Queues `event` for the client as the surface renders it (as it is for chat completions). */
function emit(event: Buffer, options: RelayOptions, out: Buffer[]): null {
  const rendered = options.renderer ? options.renderer.event(event) : event;
  if (rendered !== null) out.push(rendered);
  return null;
}

/**
 * Queues an event without usage: as it is, or, when the client did not ask for usage, without the
 * `,"usage":null` the upstream added because the relay asked for usage on its behalf (two views
 * of the event, no copy). Surfaces that render their own events get it whole: they ignore it.
 */
function forwardEvent(event: Buffer, usageAt: number, clientWantsUsage: boolean, options: RelayOptions, out: Buffer[]): void {
  if (clientWantsUsage || usageAt === -1 || options.renderer) {
    emit(event, options, out);
    return;
  }
  const at = usageAt - 1;
  if (at < 0 || !bytesAt(event, at, COMMA_USAGE_NULL)) {
    out.push(event);
    return;
  }
  out.push(event.subarray(0, at), event.subarray(at + COMMA_USAGE_NULL.length));
}

function byteLength(parts: readonly Buffer[]): number {
  let bytes = 0;
  for (const part of parts) bytes += part.length;
  return bytes;
}

/**
 * Writes `parts` (starting the response first); a promise only when uWS buffered and the caller
 * must wait for the socket to drain. Not an async function: the loop calls it once per upstream
 * chunk, and an async call is a promise and a microtask turn even when nothing waits.
 */
function flush(exchange: Exchange, parts: Buffer[]): Promise<void> | null {
  if (parts.length === 0) return null;
  if (!exchange.headersSent) {
    exchange.startStream(200, 'text/event-stream; charset=utf-8', { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  }
  return exchange.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
}

function finish(exchange: Exchange, outcome: StreamOutcome): StreamOutcome {
  exchange.end();
  return { ...outcome, end: 'done' };
}

/**
 * The final-write path: lets the route record the outcome (awaited), then writes the terminal
 * event and ends the response in one call, so nothing final reaches uWS before the record.
 */
async function terminate(
  exchange: Exchange,
  outcome: StreamOutcome,
  end: 'done' | ErrorCode,
  chunk: Uint8Array | string | ((outcome: StreamOutcome) => Uint8Array | string),
  options: RelayOptions,
): Promise<void> {
  outcome.end = end === 'done' ? 'done' : 'error';
  if (end !== 'done') outcome.errorCode = end;
  await options.beforeTerminal?.(outcome);
  if (exchange.aborted) return;
  if (!exchange.headersSent) {
    exchange.startStream(200, 'text/event-stream; charset=utf-8', { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  }
  exchange.endWith(typeof chunk === 'function' ? chunk(outcome) : chunk);
}

/** The closing bytes of a complete stream: the upstream's `[DONE]`, or the renderer's own ending. */
function doneChunk(done: Uint8Array | string, options: RelayOptions): Uint8Array | string | ((outcome: StreamOutcome) => Uint8Array | string) {
  const renderer = options.renderer;
  return renderer ? (outcome) => renderer.done(outcome) : done;
}

/** The closing error event: OpenAI-shaped, or in the renderer's wire. */
function errorChunk(error: ReturnType<typeof toOpenAIError>, options: RelayOptions): (outcome: StreamOutcome) => Uint8Array | string {
  const renderer = options.renderer;
  return renderer ? (outcome) => renderer.error(error.body, outcome) : () => `data: ${JSON.stringify(error.body)}\n\n`;
}

/** Ends the stream with an OpenAI-shaped error event: never a silent clean close. */
async function failStream(
  exchange: Exchange,
  outcome: StreamOutcome,
  code: 'upstream_stream_interrupted' | 'upstream_error' | 'upstream_response_too_large',
  options: RelayOptions,
): Promise<StreamOutcome> {
  const tooLarge = code === 'upstream_response_too_large';
  if (!exchange.headersSent && !exchange.aborted) throw new StreamFailedBeforeStart(outcome.upstreamErrorCode, tooLarge ? code : 'upstream_error');
  const message = tooLarge
    ? 'An event in the upstream provider\'s stream was larger than the gateway accepts.'
    : code === 'upstream_error'
      ? 'The upstream provider reported an error in the middle of the stream.'
      : 'The upstream provider stopped the stream before it finished.';
  const errorCode = tooLarge ? code : 'upstream_stream_interrupted';
  const error = toOpenAIError(new RelayError(errorCode, message), exchange.requestId);
  await terminate(exchange, outcome, errorCode, errorChunk(error, options), options);
  if (exchange.aborted && !exchange.finished) return { ...outcome, end: 'client_abort' };
  return { ...outcome, end: 'error', errorCode };
}

/**
 * Ends a stream the gateway itself stops (its output passed what the budget or rate limit would
 * cover): the refusal goes out as the terminal error event, never as a clean close, and the
 * upstream is let go (leaving the loop destroys its body).
 */
async function cutStream(exchange: Exchange, outcome: StreamOutcome, refusal: RelayError, options: RelayOptions): Promise<StreamOutcome> {
  const error = toOpenAIError(refusal, exchange.requestId);
  await terminate(exchange, outcome, refusal.code, errorChunk(error, options), options);
  if (exchange.aborted && !exchange.finished) return { ...outcome, end: 'client_abort' };
  return { ...outcome, end: 'error', errorCode: refusal.code };
}
