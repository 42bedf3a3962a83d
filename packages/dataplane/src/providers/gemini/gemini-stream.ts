import type { ChatCompletionChunk, ChatToolCallDelta, FinishReason } from '@proxystacks/shared/openai/wire';
import { SSE_DONE } from '@proxystacks/shared/openai/wire';
import { eventData, SseScanner } from '../../streaming/sse-scanner.ts';
import type { GeminiResponse, GeminiUsageMetadata } from './gemini-wire.ts';
import { toOpenAIFinishReason } from './gemini-finish-reason.ts';
import { translateParts } from './from-gemini-response.ts';
import { toOpenAIUsage } from './gemini-usage.ts';

export interface GeminiStreamOptions {
  id: string;
  created: number;
  /** Reported as `model` until the upstream names its `modelVersion`. */
  model: string;
  /** Largest single Gemini event accepted; past it the stream fails like a broken one. */
  maxEventBytes: number;
}

/** Where one candidate (one OpenAI choice) has got to. */
interface ChoiceState {
  toolCalls: number;
  finished: boolean;
}

/**
 * A `streamGenerateContent?alt=sse` byte stream as an OpenAI chat completion stream, so the SSE
 * relay meters and forwards it like any other. Each Gemini event is a whole response holding
 * only the new parts (lines end in CRLF), so the translation keeps little state: which choices
 * have started, how many tool calls each has, and the last usage seen (usage may come on every
 * event; the last one counts).
 *
 * - A choice opens with `{role:'assistant', content:''}`, like OpenAI's first chunk.
 * - Gemini sends each function call whole; it goes out as OpenAI's deltas do: one with index,
 *   id, type and name (empty arguments), then one with the arguments.
 * - `finishReason` closes its choice; usage follows in a `choices: []` chunk (the relay strips
 *   it when the client did not ask for `include_usage`), then `[DONE]` once every choice finished.
 * - An error event from Gemini (`{"error":{…}}`) becomes an OpenAI-style error event carrying
 *   only Gemini's status, which the relay turns into its terminal error event.
 * - A stream that ends before every choice finished ends without `[DONE]`: the relay reports
 *   it as interrupted, never as a clean close.
 */
export async function* translateGeminiStream(upstream: AsyncIterable<Uint8Array>, options: GeminiStreamOptions): AsyncGenerator<Uint8Array> {
  const scanner = new SseScanner({ maxEventBytes: options.maxEventBytes });
  const choices = new Map<number, ChoiceState>();
  let model = options.model;
  let usage: GeminiUsageMetadata | undefined;
  const chunk = (body: Pick<ChatCompletionChunk, 'choices'> & { usage?: ChatCompletionChunk['usage'] }): string =>
    `data: ${JSON.stringify({ id: options.id, object: 'chat.completion.chunk', created: options.created, model, system_fingerprint: null, ...body })}\n\n`;
  const delta = (index: number, value: ChatCompletionChunk['choices'][number]['delta'], finish: FinishReason | null = null) =>
    chunk({ choices: [{ index, delta: value, logprobs: null, finish_reason: finish }] });

  for await (const bytes of upstream) {
    let out = '';
    for (const event of scanner.push(bytes)) {
      const parsed = parseEvent(event);
      if (parsed === null) continue;
      if ('error' in parsed) {
        yield Buffer.from(out + errorEvent(parsed.error));
        return;
      }
      if (parsed.modelVersion !== undefined) model = parsed.modelVersion;
      if (parsed.usageMetadata !== undefined) usage = parsed.usageMetadata;
      const candidates = parsed.candidates ?? [];
      if (candidates.length === 0 && parsed.promptFeedback?.blockReason !== undefined && choices.size === 0) {
        // The prompt itself was blocked: no candidate will come.
        choices.set(0, { toolCalls: 0, finished: true });
        out += delta(0, { role: 'assistant', content: '' }) + delta(0, {}, 'content_filter');
      }
      candidates.forEach((candidate, position) => {
        const index = candidate.index ?? position;
        let state = choices.get(index);
        if (state === undefined) {
          state = { toolCalls: 0, finished: false };
          choices.set(index, state);
          out += delta(index, { role: 'assistant', content: '' });
        }
        const { text, toolCalls } = translateParts(candidate.content?.parts);
        if (text !== '') out += delta(index, { content: text });
        for (const call of toolCalls) {
          const toolIndex = state.toolCalls++;
          const head: ChatToolCallDelta = { index: toolIndex, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } };
          out += delta(index, { tool_calls: [head] }) + delta(index, { tool_calls: [{ index: toolIndex, function: { arguments: call.function.arguments } }] });
        }
        const finish = toOpenAIFinishReason(candidate.finishReason, state.toolCalls > 0);
        if (finish !== null && !state.finished) {
          state.finished = true;
          out += delta(index, {}, finish);
        }
      });
    }
    if (out !== '') yield Buffer.from(out);
  }
  const rest = scanner.rest();
  const trailing = rest === null ? null : parseEvent(rest);
  if (trailing !== null && 'error' in trailing) {
    yield Buffer.from(errorEvent(trailing.error));
    return;
  }
  if (choices.size === 0 || [...choices.values()].some((state) => !state.finished)) return;
  yield Buffer.from((usage === undefined ? '' : chunk({ choices: [], usage: toOpenAIUsage(usage) })) + SSE_DONE);
}

type ParsedEvent = GeminiResponse | { error: { status?: unknown; code?: unknown } };

/**
 * One event's JSON. A mid-stream failure may come as a bare JSON error body rather than a
 * `data:` line (Google's js-genai SDK checks raw chunks for `error` for this reason), so an
 * event without data is read whole.
 */
function parseEvent(event: Buffer): ParsedEvent | null {
  const text = eventData(event) ?? event.toString('utf8').trim();
  if (text === '' || text === '[DONE]') return null;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as ParsedEvent) : null;
  } catch {
    return null;
  }
}

/** The error event the relay understands; Gemini's message is not passed on (it may name the project). */
function errorEvent(error: { status?: unknown; code?: unknown }): string {
  const status = typeof error?.status === 'string' && /^[A-Z_]{1,64}$/.test(error.status) ? error.status : 'UNKNOWN';
  return `data: ${JSON.stringify({ error: { type: 'upstream_error', code: status } })}\n\n`;
}
