import type { ChatUsage } from '@proxystacks/shared/openai/wire';
import { findUsageObject, isJsonSpace, skipSpace, type UsageObjectAt } from './usage-cost.ts';

const FINISH_REASON_KEY = Buffer.from('"finish_reason"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What metering reads from a chat completion answer. */
export interface CompletionFigures {
  usage: ChatUsage;
  /** The first choice's finish reason; '' when it is null. */
  finishReason: string;
}

/**
 * Usage and finish reason of a JSON chat completion read from its bytes, without parsing the
 * whole answer: only the `usage` object is parsed, and the first `"finish_reason"` key's value is
 * read in place. A long answer is mostly message text that the gateway forwards untouched, so
 * parsing all of it (and collecting the garbage) was most of the cost of metering a JSON answer.
 * Inside a JSON string every quote is escaped, so a raw `"finish_reason"` or `"usage"` is a key:
 * the first choice's and the top-level one. Null when the shortcut does not apply (the body is
 * not one object, has no usage object, or a value is not what OpenAI sends): the caller then
 * parses the answer whole, which also tells an invalid answer apart. `at`: the usage object when
 * the caller found it already (it splices the cost there), so the body is scanned for it once.
 */
export function readCompletionFigures(body: Buffer, at: UsageObjectAt | null = findUsageObject(body)): CompletionFigures | null {
  if (at === null || body[skipSpace(body, 0)] !== 0x7b || body[lastNonSpace(body)] !== 0x7d) return null; // '{' … '}'
  let usage: unknown;
  try {
    usage = JSON.parse(body.toString('utf8', at.open, at.close + 1));
  } catch {
    return null;
  }
  if (typeof usage !== 'object' || usage === null || Array.isArray(usage)) return null;
  const finishReason = readFinishReason(body);
  return finishReason === null ? null : { usage: usage as ChatUsage, finishReason };
}

/** The value of the first `"finish_reason"` key: '' for null or no such key, null when it is neither a string nor null. */
function readFinishReason(body: Buffer): string | null {
  const at = body.indexOf(FINISH_REASON_KEY);
  if (at === -1) return '';
  if (body[at - 1] === BACKSLASH) return null;
  let i = skipSpace(body, at + FINISH_REASON_KEY.length);
  if (body[i] !== 0x3a) return null; // ':'
  i = skipSpace(body, i + 1);
  if (body[i] === 0x6e) return body.toString('latin1', i, i + 4) === 'null' ? '' : null;
  if (body[i] !== QUOTE) return null;
  let end = i + 1;
  while (end < body.length && body[end] !== QUOTE) end += body[end] === BACKSLASH ? 2 : 1;
  if (end >= body.length) return null;
  try {
    return JSON.parse(body.toString('utf8', i, end + 1)) as string;
  } catch {
    return null;
  }
}

function lastNonSpace(body: Buffer): number {
  let i = body.length - 1;
  while (i >= 0 && isJsonSpace(body[i])) i--;
  return i;
}
