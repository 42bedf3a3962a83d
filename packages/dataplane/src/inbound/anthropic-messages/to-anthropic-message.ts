import type { AnthropicContentBlock, AnthropicMessage, AnthropicStopReason, AnthropicUsage } from '@proxystacks/shared/anthropic/messages-wire';
import type { ChatCompletion, ChatUsage } from '@proxystacks/shared/openai/wire';

/**
 * OpenAI's `finish_reason` as Anthropic's `stop_reason`: stop → end_turn, length → max_tokens,
 * tool_calls (and the older function_call) → tool_use, content_filter → refusal. A stop caused
 * by one of the client's stop sequences is `stop_sequence` when the upstream says which one
 * matched (vLLM puts it in the choice's `stop_reason`); OpenAI itself does not say, so there it
 * reads as end_turn.
 */
export function toStopReason(finishReason: string | null | undefined, matched: string | null): AnthropicStopReason {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return matched === null ? 'end_turn' : 'stop_sequence';
  }
}

/** The client's stop sequence the upstream reports as matched, or null (see toStopReason). */
export function matchedStopSequence(stopReason: unknown, stopSequences: readonly string[] | string | null | undefined): string | null {
  if (typeof stopReason !== 'string' || stopSequences === undefined || stopSequences === null) return null;
  return (typeof stopSequences === 'string' ? stopSequences === stopReason : stopSequences.includes(stopReason)) ? stopReason : null;
}

/**
 * OpenAI usage in Anthropic's split: `input_tokens` is what was neither read from nor written to
 * the prompt cache, so prompt = input + cache read + cache write. Cache reads are OpenAI's
 * `cached_tokens`, cache writes the `cache_write_tokens` that Anthropic upstreams report
 * (providers/anthropic/usage.ts), so an Anthropic answer keeps its own split end to end.
 */
export function toAnthropicUsage(usage: ChatUsage): Required<Pick<AnthropicUsage, 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens'>> {
  const prompt = count(usage.prompt_tokens);
  const cacheRead = Math.min(count(usage.prompt_tokens_details?.cached_tokens), prompt);
  const cacheWrite = Math.min(count(usage.prompt_tokens_details?.cache_write_tokens), prompt - cacheRead);
  return { input_tokens: prompt - cacheRead - cacheWrite, output_tokens: count(usage.completion_tokens), cache_read_input_tokens: cacheRead, cache_creation_input_tokens: cacheWrite };
}

/** A tool call's arguments as the object Anthropic's `input` is; arguments that do not parse to an object become `{}`. */
export function toolInput(args: unknown): Record<string, unknown> {
  if (typeof args !== 'string' || args === '') return {};
  try {
    const input: unknown = JSON.parse(args);
    return typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * An OpenAI chat completion as an Anthropic Message: the content as a text block, each tool
 * call as a `tool_use` block (same id, so its `tool_result` finds it on the next turn), the
 * stop reason and `usage` (what was metered). A text block is always there when nothing else
 * is, so `content[0].text` works as it does against Anthropic.
 */
export function toAnthropicMessage(completion: ChatCompletion, id: string, usage: ChatUsage, stopSequences: readonly string[] | string | null | undefined): AnthropicMessage {
  const choice = completion.choices?.[0];
  const message = choice?.message;
  const content: AnthropicContentBlock[] = [];
  const text = typeof message?.content === 'string' ? message.content : '';
  const toolCalls = Array.isArray(message?.tool_calls) ? message.tool_calls : [];
  if (text !== '' || toolCalls.length === 0) content.push({ type: 'text', text });
  for (const call of toolCalls) content.push({ type: 'tool_use', id: call.id, name: call.function?.name ?? '', input: toolInput(call.function?.arguments) });
  const matched = matchedStopSequence((choice as { stop_reason?: unknown } | undefined)?.stop_reason, stopSequences);
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: typeof completion.model === 'string' ? completion.model : '',
    content,
    stop_reason: toStopReason(choice?.finish_reason, matched),
    stop_sequence: matched,
    usage: toAnthropicUsage(usage),
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}
