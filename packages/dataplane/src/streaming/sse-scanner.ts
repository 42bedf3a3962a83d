/**
 * Splits an SSE byte stream into whole events without decoding or copying what it forwards.
 *
 * Written by hand rather than with an SSE parsing library on purpose: libraries decode every
 * event into strings and hand back parsed fields, so forwarding would mean re-serialising every
 * chunk. Relay forwards the upstream's bytes as they are and only looks inside the few events
 * it needs (usage, finish reason, errors), using byte searches (`Buffer#indexOf`) first.
 */
export class SseScanner {
  #pending: Buffer | null = null;

  /** Feeds a chunk; returns the complete events it finished, each including its blank-line terminator. */
  push(chunk: Uint8Array): Buffer[] {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#pending !== null) {
      buf = Buffer.concat([this.#pending, buf]);
      this.#pending = null;
    }
    const events: Buffer[] = [];
    let start = 0;
    for (;;) {
      const end = eventEnd(buf, start);
      if (end === -1) break;
      events.push(buf.subarray(start, end));
      start = end;
    }
    if (start < buf.length) this.#pending = Buffer.from(buf.subarray(start));
    return events;
  }

  /** Bytes of an unfinished event left when the stream ended (a truncated upstream). */
  rest(): Buffer | null {
    return this.#pending;
  }
}

/** Index just past the blank line ending the event that starts at `from`, or -1. */
function eventEnd(buf: Buffer, from: number): number {
  const lf = buf.indexOf('\n\n', from);
  const crlf = buf.indexOf('\r\n\r\n', from);
  if (lf === -1 && crlf === -1) return -1;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return crlf + 4;
  return lf + 2;
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
