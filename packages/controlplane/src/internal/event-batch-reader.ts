import { z } from 'zod';
import { RelayError } from '@proxystacks/shared/errors/relay-error';

/** Most events one ingest batch may carry (a data plane sends 10,000 at most). */
export const MAX_BATCH_EVENTS = 50_000;

const batchSchema = z.strictObject({
  batchId: z.string().min(8).max(100),
  events: z.array(z.unknown()).min(1).max(MAX_BATCH_EVENTS),
});

/** What {@link readEventBatch} hands each event of the batch to. */
export interface EventBatchVisitor {
  /** The batch's events in order, each as JSON.parse made it; may throw to refuse the batch. */
  event(value: unknown, index: number): void;
  /** Forgets every event seen so far: the reader is starting over from the first one. */
  restart(): void;
}

export interface EventBatchHead {
  batchId: string;
  /** Events in the batch (all of them were visited). */
  count: number;
}

/**
 * Reads an ingest body `{"batchId": "…", "events": [ … ]}` one event at a time, so the caller can
 * validate, encode and let go of each event before the next is parsed. JSON.parse of the whole
 * body made all 10,000 event objects at once, and they stayed reachable until the ClickHouse
 * insert answered, so every one was copied into V8's old generation and collected from there: the
 * control plane's largest single cost under `relay start` after chDB itself.
 *
 * Data planes write one event per line (their event log's lines, joined by commas: see the data
 * plane's controlplane-sink.ts), so the events are read line by line with no parser of our own:
 * each line goes to JSON.parse whole. This is sound for any JSON text, not only ours: a raw
 * newline cannot occur inside a JSON string, and a proper prefix of an object or array cannot
 * parse, so a line that parses is exactly one element of the array. A body laid out any other
 * way (whitespace elsewhere, pretty-printed, keys in another order) is read with one JSON.parse
 * after `restart()`, as before. Either way the batch's shape is checked as strictly: exactly
 * `batchId` (8-100 characters) and 1 to MAX_BATCH_EVENTS `events`.
 *
 * Throws a RelayError (`invalid_json`, `invalid_value`) for a body that is not such a batch, and
 * lets what `event()` throws through. An invalid event is reported as soon as it is read, so a
 * body that also has broken JSON further on gets the event's error rather than `invalid_json`:
 * the batch is refused either way.
 */
export function readEventBatch(body: Buffer, visitor: EventBatchVisitor): EventBatchHead {
  const text = body.toString('utf8');
  const lined = readOneEventPerLine(text, visitor);
  if (lined !== null) return lined;
  visitor.restart();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RelayError('invalid_json', 'Body is not JSON.');
  }
  const batch = batchSchema.safeParse(parsed);
  if (!batch.success) throw new RelayError('invalid_value', 'Expected { batchId, events: [...] }.');
  batch.data.events.forEach((event, index) => visitor.event(event, index));
  return { batchId: batch.data.batchId, count: batch.data.events.length };
}

const HEAD = '{"batchId":';
const EVENTS = ',"events":[';
const COMMA = 0x2c;

/** The batch read line by line, or null (nothing decided) when the body is not laid out that way. */
function readOneEventPerLine(text: string, visitor: EventBatchVisitor): EventBatchHead | null {
  if (!text.startsWith(HEAD)) return null;
  const idEnd = endOfJsonString(text, HEAD.length);
  if (idEnd === -1 || !text.startsWith(EVENTS, idEnd)) return null;
  const batchId = parseOrUndefined(text.slice(HEAD.length, idEnd));
  if (typeof batchId !== 'string' || batchId.length < 8 || batchId.length > 100) return null;
  let at = idEnd + EVENTS.length;
  let count = 0;
  for (;;) {
    const newline = text.indexOf('\n', at);
    if (newline === -1 || count === MAX_BATCH_EVENTS) return null;
    const value = parseOrUndefined(text.slice(at, newline));
    if (value === undefined) return null;
    visitor.event(value, count++);
    const next = text.charCodeAt(newline + 1);
    if (next === COMMA) {
      at = newline + 2;
      continue;
    }
    if (next === 0x5d /* ] */ && text.charCodeAt(newline + 2) === 0x7d /* } */ && text.slice(newline + 3).trim() === '') return { batchId, count };
    return null;
  }
}

/** The index just past the JSON string token that starts at `start` (a `"`), or -1. */
function endOfJsonString(text: string, start: number): number {
  if (text.charCodeAt(start) !== 0x22) return -1;
  let at = start + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote === -1) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/** JSON.parse, or undefined for text that is not one JSON value (undefined is never a JSON value). */
function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
