import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseEventTooLarge, SseScanner } from './sse-scanner.ts';

/**
 * Properties of the SSE scanner over generated streams (fast-check): however a valid stream is
 * cut into chunks, the scanner yields the same events as when fed it whole, those events are
 * exactly the ones the stream was built from, and events + rest() give back every input byte.
 *
 * Inputs fast-check ever found failing, and the boundary cases reasoned out by hand, are kept
 * in sse-scanner.corpus.json and replayed as explicit examples on every run.
 */

interface CorpusCase {
  /** What the case is about. */
  name: string;
  /** The stream, as text (JSON-escaped `\r`, `\n`). */
  input: string;
  /** The events it holds, in order, and what is left unfinished after them. */
  events: string[];
  rest: string;
  /** Byte offsets where the stream is cut into chunks (may fall inside a UTF-8 character). */
  cuts: number[];
}

const CORPUS = JSON.parse(readFileSync(new URL('./sse-scanner.corpus.json', import.meta.url), 'utf8')) as CorpusCase[];

/** One field line without its terminator: data (with or without the space), other fields, comments. */
const fieldLine = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `data: ${s}`),
  fc.string({ unit: 'binary', maxLength: 10 }).map((s) => `data:${s}`),
  fc.constantFrom('event: message', 'id: 7', 'retry: 1000', ': keep-alive', ':', 'data: [DONE]', 'data: {"usage":null}'),
).map((line) => line.replace(/[\r\n]/g, ' '));

const terminator = fc.constantFrom('\n', '\r\n');

/** One event: one or more field lines, each with its own line ending, then a blank line. */
const sseEvent = fc
  .tuple(fc.array(fc.tuple(fieldLine, terminator), { minLength: 1, maxLength: 4 }), terminator)
  .map(([lines, blank]) => lines.map(([line, end]) => line + end).join('') + blank);

/** A stream: whole events, then possibly an unfinished one (a truncated upstream). */
const sseStream = fc.tuple(fc.array(sseEvent, { maxLength: 8 }), fc.option(fc.tuple(fieldLine, fc.constantFrom('', '\n', '\r', '\r\n', '\n\r')), { nil: null })).map(([events, partial]) => ({
  events: events.map((e) => Buffer.from(e)),
  rest: partial === null ? Buffer.alloc(0) : Buffer.from(partial[0] + partial[1]),
}));

/** The stream's bytes and sorted cut offsets inside it. */
const cutStream = sseStream.chain((stream) => {
  const bytes = Buffer.concat([...stream.events, stream.rest]);
  return fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }).map((cuts) => ({ ...stream, bytes, cuts: cuts.sort((a, b) => a - b) }));
});

function chunksOf(bytes: Buffer, cuts: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    // A fresh copy per chunk, as chunks from a socket are: no event may alias a neighbour's bytes.
    chunks.push(new Uint8Array(bytes.subarray(at, cut)));
    at = cut;
  }
  return chunks;
}

function scan(chunks: readonly Uint8Array[], maxEventBytes?: number): { events: string[]; rest: Buffer | null } {
  const scanner = new SseScanner(maxEventBytes === undefined ? {} : { maxEventBytes });
  const events: string[] = [];
  for (const chunk of chunks) for (const event of scanner.push(chunk)) events.push(event.toString('hex'));
  return { events, rest: scanner.rest() };
}

function checkSplitInvariance(bytes: Buffer, cuts: readonly number[]): void {
  const whole = scan([bytes]);
  const split = scan(chunksOf(bytes, cuts));
  expect(split.events).toEqual(whole.events);
  expect(split.rest?.toString('hex') ?? '').toBe(whole.rest?.toString('hex') ?? '');
  const rejoined = Buffer.concat([...split.events.map((hex) => Buffer.from(hex, 'hex')), split.rest ?? Buffer.alloc(0)]);
  expect(rejoined.equals(bytes)).toBe(true);
}

describe('SseScanner properties', () => {
  it('any split of a stream yields the same events as the whole, and events + rest() is the input', () => {
    fc.assert(
      fc.property(cutStream, ({ bytes, cuts }) => checkSplitInvariance(bytes, cuts)),
      { numRuns: 2_000 },
    );
  });

  it('the events are exactly the ones the stream was built from (LF, CRLF and mixed line endings)', () => {
    fc.assert(
      fc.property(cutStream, ({ events, rest, bytes, cuts }) => {
        const split = scan(chunksOf(bytes, cuts));
        expect(split.events).toEqual(events.map((e) => e.toString('hex')));
        expect(split.rest?.toString('hex') ?? '').toBe(rest.toString('hex'));
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses exactly the streams holding an event (or unfinished rest) larger than the limit, however split', () => {
    fc.assert(
      fc.property(cutStream, fc.integer({ min: 1, max: 120 }), ({ events, rest, bytes, cuts }, limit) => {
        const tooLarge = [...events, rest].some((e) => e.length > limit);
        let threw = false;
        try {
          scan(chunksOf(bytes, cuts), limit);
        } catch (err) {
          expect(err).toBeInstanceOf(SseEventTooLarge);
          threw = true;
        }
        expect(threw).toBe(tooLarge);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('SseScanner corpus (failing inputs found, boundary cases reasoned out)', () => {
  it.each(CORPUS)('$name', ({ input, events, rest, cuts }) => {
    checkSplitInvariance(Buffer.from(input), cuts);
    const split = scan(chunksOf(Buffer.from(input), cuts));
    expect(split.events.map((hex) => Buffer.from(hex, 'hex').toString('utf8'))).toEqual(events);
    expect(split.rest?.toString('utf8') ?? '').toBe(rest);
  });

  it.each(CORPUS)('$name: cut at every single offset', ({ input }) => {
    const bytes = Buffer.from(input);
    for (let cut = 0; cut <= bytes.length; cut++) checkSplitInvariance(bytes, [cut]);
  });
});
