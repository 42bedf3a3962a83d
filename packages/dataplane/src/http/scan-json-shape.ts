import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { JSON_BYTES } from './json-bytes.ts';

/** Shape limits checked on the raw bytes, before JSON.parse. */
export interface JsonShapeLimits {
  /** Deepest nesting of arrays and objects allowed (the top-level object is depth 1). */
  readonly maxDepth: number;
  /** Most values allowed, counted as containers plus separators (an upper bound on elements). */
  readonly maxValues: number;
}

/**
 * Generous for any real chat request (OpenAI's own tool schemas nest a handful of levels; a
 * 2,048-message conversation with 128 tools is a few tens of thousands of values) and far below
 * what hurts: 10,000 levels overflowed the stack when the request was re-serialised for the
 * upstream (a 500), and 1.4 million tiny values cost ~0.3 s to parse and ~0.15 s to stringify
 * on the event loop (issue 6).
 */
export const JSON_SHAPE_LIMITS: JsonShapeLimits = { maxDepth: 64, maxValues: 250_000 };

const { QUOTE, BACKSLASH, OPEN_BRACKET, OPEN_BRACE, CLOSE_BRACKET, CLOSE_BRACE, COMMA } = JSON_BYTES;

/**
 * One linear pass over a JSON body that refuses excessive nesting or value counts before
 * JSON.parse builds anything, so a hostile body costs O(bytes) and no heap. It does not validate
 * JSON: brackets inside strings are skipped (escapes included), and malformed input is left for
 * JSON.parse to reject with `invalid_json`.
 *
 * Throws RelayError `json_too_deep` or `json_too_many_values` (400).
 */
export function scanJsonShape(bytes: Uint8Array, limits: JsonShapeLimits = JSON_SHAPE_LIMITS): void {
  let depth = 0;
  let values = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const byte = bytes[i]!;
    if (byte === QUOTE) {
      // Skip the string: a backslash escapes the next byte (which covers \" and \\); every
      // byte of a multi-byte UTF-8 sequence is >= 0x80, so none can be mistaken for a quote.
      i++;
      while (i < n) {
        const inner = bytes[i]!;
        if (inner === BACKSLASH) i += 2;
        else if (inner === QUOTE) break;
        else i++;
      }
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      depth++;
      values++;
      if (depth > limits.maxDepth) {
        throw new RelayError('json_too_deep', `The request body nests arrays and objects deeper than the limit of ${limits.maxDepth} levels.`);
      }
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    } else if (byte === COMMA) {
      values++;
    }
    if (values > limits.maxValues) {
      throw new RelayError('json_too_many_values', `The request body holds more than the limit of ${limits.maxValues} JSON values.`);
    }
    i++;
  }
}
