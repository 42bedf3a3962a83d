const LF = 0x0a;
const CR = 0x0d;

/** Thrown by {@link SseScanner.push} when one event grows past the scanner's byte limit. */
export class SseEventTooLarge extends Error {
  override readonly name = 'SseEventTooLarge';
  constructor(readonly maxEventBytes: number) {
    super(`An upstream SSE event exceeded ${maxEventBytes} bytes`);
  }
}

export interface SseScannerOptions {
  /** Largest event (including its terminator) accepted; beyond it push() throws SseEventTooLarge. */
  maxEventBytes?: number;
}

/**
 * Splits an SSE byte stream into whole events without decoding or copying what it forwards.
 *
 * Written by hand rather than with an SSE parsing library on purpose: libraries decode every
 * event into strings and hand back parsed fields, so forwarding would mean re-serialising every
 * chunk. Relay forwards the upstream's bytes as they are and only looks inside the few events
 * it needs (usage, finish reason, errors), using byte searches (`Buffer#indexOf`) first.
 *
 * An event ends at a blank line: a line feed followed by `\n` or `\r\n`, so LF, CRLF and mixed
 * line endings all work (lone-CR line endings, allowed by the SSE spec, are used by no LLM
 * provider and are not recognised). Linear in the stream's length: each byte is searched once.
 * An unfinished event is kept as the chunks it arrived in, with only how far its last bytes
 * got into a blank line, and joined once when its end arrives; re-joining and re-searching it
 * on every chunk made an upstream that never sends a blank line cost quadratic time (issue 6).
 */
export class SseScanner {
  /** Bytes of the unfinished event, copied, in arrival order. */
  #parts: Buffer[] = [];
  #pendingBytes = 0;
  /** How far the unfinished event's last bytes got into a blank line: 0 not at all, 1 after `\n`, 2 after `\n\r`. */
  #tail: 0 | 1 | 2 = 0;
  readonly #maxEventBytes: number;

  constructor(options: SseScannerOptions = {}) {
    this.#maxEventBytes = options.maxEventBytes ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Feeds a chunk; returns the complete events it finished, each including its blank-line
   * terminator. Events wholly inside the chunk are views of it, not copies.
   * @throws SseEventTooLarge when an event passes `maxEventBytes`.
   */
  push(chunk: Uint8Array): Buffer[] {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const events: Buffer[] = [];
    if (buf.length === 0) return events;
    let start = 0;
    if (this.#pendingBytes > 0) {
      let end = this.#endAcrossBoundary(buf);
      if (end === -1) end = eventEnd(buf, 0);
      if (end === -1) return this.#keep(buf, 0, events);
      events.push(this.#finishPending(buf.subarray(0, end)));
      start = end;
    }
    for (;;) {
      const end = eventEnd(buf, start);
      if (end === -1) break;
      if (end - start > this.#maxEventBytes) throw new SseEventTooLarge(this.#maxEventBytes);
      events.push(buf.subarray(start, end));
      start = end;
    }
    return start < buf.length ? this.#keep(buf, start, events) : events;
  }

  /** Bytes of an unfinished event left when the stream ended (a truncated upstream). */
  rest(): Buffer | null {
    if (this.#pendingBytes === 0) return null;
    if (this.#parts.length > 1) this.#parts = [Buffer.concat(this.#parts, this.#pendingBytes)];
    return this.#parts[0]!;
  }

  /** The end of a blank line that began in the pending bytes and finishes at the start of `buf`, or -1. */
  #endAcrossBoundary(buf: Buffer): number {
    if (this.#tail === 1) {
      if (buf[0] === LF) return 1;
      if (buf[0] === CR && buf[1] === LF) return 2;
    } else if (this.#tail === 2 && buf[0] === LF) {
      return 1;
    }
    return -1;
  }

  /** Joins the pending bytes with the end of their event: the one copy an event split across chunks costs. */
  #finishPending(end: Buffer): Buffer {
    const size = this.#pendingBytes + end.length;
    if (size > this.#maxEventBytes) throw new SseEventTooLarge(this.#maxEventBytes);
    const event = Buffer.concat([...this.#parts, end], size);
    this.#parts = [];
    this.#pendingBytes = 0;
    this.#tail = 0;
    return event;
  }

  /** Keeps `buf[from..]`, which holds no complete event, for the next chunk. */
  #keep(buf: Buffer, from: number, events: Buffer[]): Buffer[] {
    const continues = this.#pendingBytes > 0;
    const size = this.#pendingBytes + buf.length - from;
    if (size > this.#maxEventBytes) throw new SseEventTooLarge(this.#maxEventBytes);
    this.#parts.push(Buffer.from(buf.subarray(from)));
    this.#pendingBytes = size;
    const last = buf[buf.length - 1];
    const beforeLast = buf.length - 2 >= from ? buf[buf.length - 2] : continues && this.#tail === 1 ? LF : undefined;
    this.#tail = last === LF ? 1 : last === CR && beforeLast === LF ? 2 : 0;
    return events;
  }
}

/** Index just past the blank line ending the event that starts at `from`, or -1. */
function eventEnd(buf: Buffer, from: number): number {
  for (let lf = buf.indexOf(LF, from); lf !== -1; lf = buf.indexOf(LF, lf + 1)) {
    const next = buf[lf + 1];
    if (next === LF) return lf + 2;
    if (next === CR && buf[lf + 2] === LF) return lf + 3;
  }
  return -1;
}

/** The `data:` payload of one event (several data lines are joined by newlines, per the SSE spec). */
export function eventData(event: Buffer): string | null {
  const text = event.toString('utf8');
  let data: string | null = null;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}
