import { formatMicros, micros } from '@proxystacks/shared/money/micros';

const USAGE_KEY = Buffer.from('"usage"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** `"cost":0.000123,"cost_micros":123`: the cost in USD printed exactly from integer micros (OpenRouter's `usage.cost`), and the micros. */
export function costFields(costMicros: number): string {
  return `"cost":${formatMicros(micros(costMicros))},"cost_micros":${costMicros}`;
}

/**
 * Adds `cost` and `cost_micros` to the top-level `usage` object of a JSON body by splicing the
 * bytes (no parse, no re-serialisation of the rest). `usage` is the last key of that name in the
 * body (OpenAI, Responses and Anthropic bodies all end with it); inside a JSON string the quotes
 * around a word are escaped, so a raw `"usage":{` is a key. Returns null when the body has no
 * usage object to extend.
 */
export function spliceUsageCost(body: Buffer, costMicros: number): Buffer | null {
  const usage = findUsageObject(body);
  return usage === null ? null : spliceCostInto(body, usage, costMicros);
}

/** Where a usage object's braces are in a body. */
export interface UsageObjectAt {
  open: number;
  close: number;
}

/** {@link spliceUsageCost} for a usage object already found (findUsageObject), so the body is not scanned again. */
export function spliceCostInto(body: Buffer, usage: UsageObjectAt, costMicros: number): Buffer {
  const empty = skipSpace(body, usage.open + 1) === usage.close;
  return Buffer.concat([body.subarray(0, usage.close), Buffer.from(`${empty ? '' : ','}${costFields(costMicros)}`), body.subarray(usage.close)]);
}

/**
 * Where the top-level `usage` object of a JSON body sits (its opening and closing braces), found
 * by scanning the bytes: the last `"usage"` key (see spliceUsageCost for why that is the one).
 * Null when the body has no usage object.
 */
export function findUsageObject(body: Buffer): UsageObjectAt | null {
  const at = body.lastIndexOf(USAGE_KEY);
  if (at <= 0 || body[at - 1] === BACKSLASH) return null;
  let i = skipSpace(body, at + USAGE_KEY.length);
  if (body[i] !== 0x3a) return null; // ':'
  i = skipSpace(body, i + 1);
  if (body[i] !== OPEN) return null;
  const close = matchingBrace(body, i);
  return close === -1 ? null : { open: i, close };
}

/** JSON whitespace: space, line feed, carriage return, tab. */
export function isJsonSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

export function skipSpace(body: Buffer, from: number): number {
  let i = from;
  while (i < body.length && isJsonSpace(body[i])) i++;
  return i;
}

/** Index of the `}` closing the object opened at `open`, skipping strings; -1 if it never closes. */
function matchingBrace(body: Buffer, open: number): number {
  let depth = 0;
  for (let i = open; i < body.length; i++) {
    const byte = body[i];
    if (byte === QUOTE) {
      for (i++; i < body.length && body[i] !== QUOTE; i++) if (body[i] === BACKSLASH) i++;
    } else if (byte === OPEN) depth++;
    else if (byte === CLOSE && --depth === 0) return i;
  }
  return -1;
}
