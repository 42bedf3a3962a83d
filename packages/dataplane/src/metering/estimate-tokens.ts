import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ChatMessage } from '@proxystacks/shared/openai/wire';

type Tokenizer = typeof import('gpt-tokenizer');
let tokenizer: Promise<Tokenizer> | null = null;

/**
 * The tokenizer's merge tables take about 50 MB once loaded, and with providers that report
 * usage they are rarely needed: load them on the first estimate, not at start-up.
 */
function loadTokenizer(): Promise<Tokenizer> {
  tokenizer ??= import('gpt-tokenizer');
  return tokenizer;
}

/** Counts the tokens of one short piece of text. */
export type CountTokens = (text: string) => number;

/**
 * Text up to this many characters (all messages together) is counted exactly; longer text is
 * counted on a sample of this many characters and extrapolated. Measured with gpt-tokenizer
 * 3.4 on this machine, the costliest text (random CJK, emoji, letters without spaces) takes
 * 2–8 µs per character even in small pieces, so one estimate costs at most ~40–120 ms of CPU
 * whatever the prompt, spread over several turns of the event loop (YIELD_EVERY_CHARS);
 * ordinary prose costs ~0.05 µs per character. On prose and code longer than this, the
 * sampled estimate came within ±4 % of the exact count (estimate-tokens.test.ts).
 */
export const EXACT_COUNT_MAX_CHARS = 16_384;

/**
 * Longest piece handed to the tokenizer at once. gpt-tokenizer's byte-pair encoding is
 * quadratic in the length of one pre-token, and a run without spaces is one pre-token: a
 * 100 KB run took 9.4 s and a 250 KB one 55 s, freezing every request (issue 6). Cutting runs
 * into pieces this long makes the cost linear; pieces end before a space where there is one,
 * which is where the tokenizer's own pre-tokenisation splits, so ordinary text counts the same.
 */
export const PIECE_MAX_CHARS = 256;

/**
 * A sample is this many windows of PIECE_MAX_CHARS spread over the whole text. Smaller
 * windows were tried: their cut words bias the count upwards (+2–4 % at 128 characters).
 */
const SAMPLE_WINDOWS = EXACT_COUNT_MAX_CHARS / PIECE_MAX_CHARS;

/** Counting gives the event loop back after this many characters: at most ~2–10 ms at a time. */
const YIELD_EVERY_CHARS = 2_048;

/** Treat `<|endoftext|>` and friends in a prompt as plain text: gpt-tokenizer throws on them by default. */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * Token estimates for when a provider reports no usage (a stream cut short, a provider without
 * usage reporting). o200k_base is the tokenizer of OpenAI's current models; for other
 * providers it is an estimate, and events say so (`usage_source = 'estimate'`).
 * Runs after the response has been sent, never before a request is forwarded, and costs at
 * most a bounded amount of CPU whatever the prompt (see EXACT_COUNT_MAX_CHARS).
 */
export async function estimatePromptTokens(messages: readonly ChatMessage[]): Promise<number> {
  const count = await loadCounter();
  // OpenAI's chat format costs about 3 tokens per message plus 3 to prime the reply.
  return 3 + 3 * messages.length + (await estimateTokensOf(messages.map(messageText), count));
}

/**
 * Prompts of at most this many UTF-8 bytes (all message texts together) are not tokenised at
 * admission: see admissionPromptTokens.
 */
export const ADMISSION_BYTE_BOUND_MAX_BYTES = 1_024;

/**
 * The prompt tokens a request reserves at admission (issue 8), settled to the real usage when it
 * ends. A short prompt reserves its UTF-8 length in bytes (plus the chat format's tokens): every
 * token covers at least one byte, so that bounds the count from above and the reservation never
 * falls short of the estimate, while costing one native call instead of a tokenizer pass (5 µs
 * for a 23-character prompt on an idle core, 20 µs and more in a data plane under load: most of
 * admission's cost). At most ADMISSION_BYTE_BOUND_MAX_BYTES tokens are held beyond need while
 * the request runs. Longer prompts are estimated as usual.
 */
export function admissionPromptTokens(messages: readonly ChatMessage[]): number | Promise<number> {
  let bytes = 0;
  for (const message of messages) {
    const text = messageText(message);
    // Checked before measuring: a long text need not be measured to know it is over.
    if (text.length > ADMISSION_BYTE_BOUND_MAX_BYTES) return estimatePromptTokens(messages);
    bytes += Buffer.byteLength(text, 'utf8');
    if (bytes > ADMISSION_BYTE_BOUND_MAX_BYTES) return estimatePromptTokens(messages);
  }
  return 3 + 3 * messages.length + bytes;
}

/** Tokens of a piece of generated text (bounded cost, like estimatePromptTokens). */
export async function estimateTextTokens(text: string): Promise<number> {
  if (text.length === 0) return 0;
  return estimateTokensOf([text], await loadCounter());
}

/** Tokens of several texts together (embedding inputs): one bounded estimate over all of them, like estimatePromptTokens without the chat format. */
export async function estimateTextsTokens(texts: readonly string[]): Promise<number> {
  return estimateTokensOf(texts, await loadCounter());
}

async function loadCounter(): Promise<CountTokens> {
  const { countTokens } = await loadTokenizer();
  return (text) => countTokens(text, AS_PLAIN_TEXT);
}

/**
 * Tokens of `texts` (summed), calling `count` only on pieces of at most PIECE_MAX_CHARS and on
 * at most EXACT_COUNT_MAX_CHARS characters in total, so the cost is linear and bounded, and
 * yielding to the event loop every YIELD_EVERY_CHARS so other requests are not held up.
 *
 * Up to that budget every text is counted exactly (piece by piece). Beyond it this is an
 * extrapolation: SAMPLE_WINDOWS windows spread evenly over the texts are counted exactly, and
 * their tokens per character is applied to the full length. Windows spread over the whole
 * text rather than one prefix, because prompts are often prose followed by pasted code, JSON
 * or base64, whose tokens per character differ several-fold from the prose before them.
 */
export async function estimateTokensOf(texts: readonly string[], count: CountTokens): Promise<number> {
  let totalChars = 0;
  for (const text of texts) totalChars += text.length;
  if (totalChars === 0) return 0;
  const meter = new Meter(count);
  if (totalChars <= EXACT_COUNT_MAX_CHARS) {
    let tokens = 0;
    for (const text of texts) tokens += await meter.countRange(text, 0, text.length);
    return tokens;
  }
  // Windows do not cross from one message into the next: join once (linear) and sample it.
  const text = texts.length === 1 ? texts[0]! : texts.join('\n');
  const windowChars = Math.floor(EXACT_COUNT_MAX_CHARS / SAMPLE_WINDOWS);
  const stride = (text.length - windowChars) / (SAMPLE_WINDOWS - 1);
  let sampledChars = 0;
  let sampledTokens = 0;
  for (let i = 0; i < SAMPLE_WINDOWS; i++) {
    const start = pieceStart(text, Math.floor(i * stride));
    const end = pieceEnd(text, start, Math.min(start + windowChars, text.length));
    sampledChars += end - start;
    sampledTokens += await meter.countRange(text, start, end);
  }
  return sampledChars === 0 ? 0 : Math.round((sampledTokens * totalChars) / sampledChars);
}

/** Counts ranges piece by piece and gives the event loop a turn every YIELD_EVERY_CHARS. */
class Meter {
  #sinceYield = 0;
  constructor(readonly count: CountTokens) {}

  /** Exact tokens of `text[from, to)`, counted in pieces of at most PIECE_MAX_CHARS. */
  async countRange(text: string, from: number, to: number): Promise<number> {
    let tokens = 0;
    for (let at = from; at < to; ) {
      const end = to - at <= PIECE_MAX_CHARS ? to : pieceEnd(text, at, at + PIECE_MAX_CHARS);
      if (this.#sinceYield >= YIELD_EVERY_CHARS) {
        this.#sinceYield = 0;
        await nextTurn();
      }
      this.#sinceYield += end - at;
      tokens += this.count(text.slice(at, end));
      at = end;
    }
    return tokens;
  }
}

/**
 * Where a piece starting at `from` should end, at most at `limit`: just before the last space
 * that starts a word (o200k pre-tokenisation glues that space to the word after it, so the
 * pieces tokenise exactly as the whole would), else at `limit` without splitting a surrogate pair.
 */
function pieceEnd(text: string, from: number, limit: number): number {
  if (limit >= text.length) return text.length;
  for (let at = limit; at > from; at--) {
    if (text.charCodeAt(at) === 0x20 && at + 1 < text.length && !isSpace(text.charCodeAt(at + 1))) return at;
  }
  return isHighSurrogate(text.charCodeAt(limit - 1)) && limit - 1 > from ? limit - 1 : limit;
}

/** Moves a window's start forward to the next word start within a short distance, so a sample does not begin mid-word. */
function pieceStart(text: string, from: number): number {
  const limit = Math.min(from + 64, text.length - 1);
  for (let at = from; at < limit; at++) {
    if (text.charCodeAt(at) === 0x20 && !isSpace(text.charCodeAt(at + 1))) return at;
  }
  return isLowSurrogate(text.charCodeAt(from)) ? from + 1 : from;
}

function isSpace(code: number): boolean {
  return code <= 0x20 || code === 0x85 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** The text of a message's content (string or text parts); images and audio are not counted. */
export function messageText(message: ChatMessage): string {
  const content = message.content as unknown;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
      text += (part as { text: string }).text;
    }
  }
  return text;
}
