import { isUtf8 } from 'node:buffer';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';

import { JSON_BYTES } from '../http/json-bytes.ts';

const { QUOTE, BACKSLASH, COLON, COMMA, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } = JSON_BYTES;

const MODEL_KEY = Buffer.from('model');
const STREAM_OPTIONS_KEY = Buffer.from('stream_options');
const INCLUDE_USAGE = Buffer.from(',"stream_options":{"include_usage":true}');

/**
 * The upstream body of an OpenAI-wire chat call as the client's own bytes with only the top-level
 * `model` value replaced (and, for streams without `stream_options`, `"stream_options":
 * {"include_usage":true}` appended): what `JSON.stringify({...request, model})` would send, in
 * content, without walking and re-serialising the whole request (issue 11's profile: the body was
 * parsed twice and serialised once per request). `request` must be the client's bytes parsed and
 * validated, unchanged.
 *
 * Null, and the caller serialises, whenever the bytes might not say exactly what `request` says
 * or the change is not a plain splice: a top-level key written twice (JSON.parse keeps the last,
 * an upstream parser may keep the first: a second `max_tokens` must not reach it behind the
 * gateway's back), a key written with escapes, invalid UTF-8 (JSON.parse read it as U+FFFD), a
 * stream whose `stream_options` is present but does not already ask for usage, or anything the
 * scan does not expect.
 */
export function spliceUpstreamModel(bytes: Buffer, request: ChatCompletionRequest, upstreamModel: string, stream: boolean): Buffer | null {
  if (stream && request.stream_options !== undefined && request.stream_options?.include_usage !== true) return null;
  const members = topLevelMembers(bytes);
  if (members === null || members.count !== Object.keys(request).length || members.model === null) return null;
  if (stream && request.stream_options === undefined && members.hasStreamOptions) return null;
  if (!isUtf8(bytes)) return null;
  const model = JSON.stringify(upstreamModel);
  const modelBytes = Buffer.byteLength(model);
  const { start, end } = members.model;
  const append = stream && request.stream_options === undefined ? INCLUDE_USAGE : null;
  // One allocation, filled in place (Buffer.concat of subarrays cost more than the JSON.stringify
  // it replaces on a small request).
  const out = Buffer.allocUnsafe(bytes.length - (end - start) + modelBytes + (append === null ? 0 : append.length));
  let at = bytes.copy(out, 0, 0, start);
  at += out.write(model, at, 'utf8');
  if (append === null) {
    bytes.copy(out, at, end);
    return out;
  }
  at += bytes.copy(out, at, end, members.closeAt);
  at += append.copy(out, at);
  bytes.copy(out, at, members.closeAt);
  return out;
}

/** What the scan found at the top level of the object. */
interface TopLevelMembers {
  /** Members, duplicates counted: equal to the parsed object's key count only when there are none. */
  readonly count: number;
  /** Byte range of the `model` value; null when absent or written twice. */
  readonly model: { readonly start: number; readonly end: number } | null;
  readonly hasStreamOptions: boolean;
  /** Offset of the object's closing brace. */
  readonly closeAt: number;
}

/**
 * Walks the members of the top-level object: each key's bytes, and the value skipped (strings
 * through Buffer#indexOf, containers by depth). Null on anything unexpected: the bytes are
 * valid JSON already (JSON.parse read them), so that only means a shape this scan keeps out of.
 */
function topLevelMembers(bytes: Buffer): TopLevelMembers | null {
  let i = skipSpace(bytes, 0);
  if (bytes[i] !== OPEN_BRACE) return null;
  i = skipSpace(bytes, i + 1);
  let count = 0;
  let model: { start: number; end: number } | null = null;
  let models = 0;
  let hasStreamOptions = false;
  if (bytes[i] === CLOSE_BRACE) return null;
  for (;;) {
    if (bytes[i] !== QUOTE) return null;
    const keyEnd = stringEnd(bytes, i);
    if (keyEnd === -1) return null;
    const keyStart = i + 1;
    const keyLength = keyEnd - 1 - keyStart;
    if (hasByte(bytes, BACKSLASH, keyStart, keyEnd - 1)) return null;
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) return null;
    const valueStart = skipSpace(bytes, i + 1);
    const valueEnd = valueEndAt(bytes, valueStart);
    if (valueEnd === -1) return null;
    count++;
    if (sameBytes(bytes, keyStart, keyLength, MODEL_KEY)) {
      models++;
      model = { start: valueStart, end: valueEnd };
    } else if (sameBytes(bytes, keyStart, keyLength, STREAM_OPTIONS_KEY)) {
      hasStreamOptions = true;
    }
    i = skipSpace(bytes, valueEnd);
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1);
      continue;
    }
    if (bytes[i] !== CLOSE_BRACE) return null;
    // Only whitespace may follow the object.
    if (skipSpace(bytes, i + 1) !== bytes.length) return null;
    return { count, model: models === 1 ? model : null, hasStreamOptions, closeAt: i };
  }
}

/** The offset just past the value starting at `i`; -1 when it does not end. */
function valueEndAt(bytes: Buffer, i: number): number {
  const first = bytes[i];
  if (first === QUOTE) return stringEnd(bytes, i);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    while (i < bytes.length) {
      const byte = bytes[i]!;
      if (byte === QUOTE) {
        i = stringEnd(bytes, i);
        if (i === -1) return -1;
        continue;
      }
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  // A number or a literal: up to the next delimiter.
  while (i < bytes.length) {
    const byte = bytes[i]!;
    if (byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || isSpace(byte)) return i;
    i++;
  }
  return -1;
}

/** The offset just past the string whose opening quote is at `i` (escapes honoured); -1 when it does not end. */
function stringEnd(bytes: Buffer, i: number): number {
  let at = i + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, at);
    if (quote === -1) return -1;
    // A quote preceded by an odd run of backslashes is escaped.
    let slashes = 0;
    while (bytes[quote - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

function hasByte(bytes: Buffer, byte: number, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] === byte) return true;
  return false;
}

function sameBytes(bytes: Buffer, start: number, length: number, expected: Buffer): boolean {
  if (length !== expected.length) return false;
  for (let i = 0; i < length; i++) if (bytes[start + i] !== expected[i]) return false;
  return true;
}

function skipSpace(bytes: Buffer, i: number): number {
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  return i;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
