/**
 * How a caller steers the mock provider: directives written in the last user message, so
 * they pass through any client and any gateway unchanged.
 *
 *   mock:words=<n>        reply with n words (default 12, at most 100 000)
 *   mock:delay=<ms>       wait between streamed words (default 0)
 *   mock:ttfb=<ms>        wait before answering at all
 *   mock:fail=<status>    answer with an OpenAI-shaped error and this HTTP status (400–599)
 *   mock:cut-after=<n>    stream n words, then drop the connection without finishing
 *   mock:no-usage         report no usage (like providers that do not count tokens)
 *   mock:tool-call        call a tool (the first one offered) instead of answering in text
 *   mock:tool-call=<n>    make n parallel calls (the offered tools in turn; Gemini and Anthropic wires)
 *   mock:cached=<n>       report n cached prompt tokens (Gemini and Anthropic wires)
 *   mock:cache-write=<n>  report n prompt tokens as written to the prompt cache (Anthropic wire)
 *   mock:reasoning=<n>    report n reasoning (thought) tokens (Gemini and Anthropic wires)
 *   mock:error-after=<n>  stream n chunks, then the provider's in-stream error event (Gemini and Anthropic wires)
 *   mock:echo             answer with what the mock received, as JSON text (Gemini and Anthropic wires)
 *   mock:floats-only      embeddings: answer floats even when base64 is asked for (like upstreams that cannot encode)
 *
 * @example "Hello mock:words=50 mock:delay=20"
 */
export interface MockDirectives {
  words: number;
  delayMs: number;
  ttfbMs: number;
  failStatus: number | null;
  cutAfter: number | null;
  noUsage: boolean;
  toolCall: boolean;
  /** Parallel tool calls asked for with `mock:tool-call=<n>`; unset means one. */
  toolCalls?: number;
  /** Cached prompt tokens to report (`mock:cached`); unset means none. */
  cachedTokens?: number;
  /** Prompt tokens to report as written to the prompt cache (`mock:cache-write`); unset means none. */
  cacheWriteTokens?: number;
  /** Reasoning tokens to report (`mock:reasoning`); unset means none. */
  reasoningTokens?: number;
  /** Chunks streamed before an in-stream error event (`mock:error-after`). */
  errorAfter?: number;
  /** Answer with a summary of the request as received (`mock:echo`). */
  echo?: boolean;
  /** Embeddings as floats whatever `encoding_format` says (`mock:floats-only`). */
  floatsOnly?: boolean;
}

const DIRECTIVE = /\bmock:([a-z-]+)(?:=(\d+))?/g;

export function parseMockDirectives(text: string): MockDirectives {
  const out: MockDirectives = { words: 12, delayMs: 0, ttfbMs: 0, failStatus: null, cutAfter: null, noUsage: false, toolCall: false };
  for (const match of text.matchAll(DIRECTIVE)) {
    const value = match[2] === undefined ? null : Number(match[2]);
    switch (match[1]) {
      case 'words':
        if (value !== null) out.words = Math.min(Math.max(value, 1), 100_000);
        break;
      case 'delay':
        if (value !== null) out.delayMs = Math.min(value, 60_000);
        break;
      case 'ttfb':
        if (value !== null) out.ttfbMs = Math.min(value, 600_000);
        break;
      case 'fail':
        if (value !== null && value >= 400 && value <= 599) out.failStatus = value;
        break;
      case 'cut-after':
        if (value !== null) out.cutAfter = value;
        break;
      case 'no-usage':
        out.noUsage = true;
        break;
      case 'tool-call':
        out.toolCall = true;
        if (value !== null) out.toolCalls = Math.min(Math.max(value, 1), 16);
        break;
      case 'cached':
        if (value !== null) out.cachedTokens = Math.min(value, 10_000_000);
        break;
      case 'cache-write':
        if (value !== null) out.cacheWriteTokens = Math.min(value, 10_000_000);
        break;
      case 'reasoning':
        if (value !== null) out.reasoningTokens = Math.min(value, 10_000_000);
        break;
      case 'error-after':
        if (value !== null) out.errorAfter = value;
        break;
      case 'echo':
        out.echo = true;
        break;
      case 'floats-only':
        out.floatsOnly = true;
        break;
    }
  }
  return out;
}

const VOCABULARY = (
  'Relay answers from the mock provider so every part of the path can be tried without a real ' +
  'model behind it: keys, routing, streaming, metering, pricing and the spend ledger all see a ' +
  'genuine OpenAI-shaped exchange over HTTP'
).split(' ');

/** The mock's reply: deterministic words, so tests can predict token counts. */
export function mockReplyWords(count: number): string[] {
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(VOCABULARY[i % VOCABULARY.length]!);
  return words;
}
