import type { AnthropicUsage } from '@proxystacks/shared/anthropic/messages-wire';
import type { ChatUsage } from '@proxystacks/shared/openai/wire';

/**
 * Anthropic usage in OpenAI's shape. Anthropic's `input_tokens` counts only the prompt tokens
 * that were neither read from nor written to the prompt cache, so the prompt is the sum of all
 * three; cache reads are OpenAI's `cached_tokens` (priced at the cached rate), and cache writes
 * are reported as `cache_write_tokens`, the name OpenRouter gives them, so a client can see
 * them. Thinking tokens, when Anthropic breaks them out, are `reasoning_tokens`.
 */
export function toChatUsage(usage: AnthropicUsage): ChatUsage {
  const input = count(usage.input_tokens);
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheWrite = count(usage.cache_creation_input_tokens);
  const output = count(usage.output_tokens);
  const prompt = input + cacheRead + cacheWrite;
  const thinking = usage.output_tokens_details?.thinking_tokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: output,
    total_tokens: prompt + output,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
    ...(typeof thinking === 'number' ? { completion_tokens_details: { reasoning_tokens: count(thinking) } } : {}),
  };
}

/**
 * Folds a `message_delta`'s usage into what `message_start` said. Its counters are cumulative
 * totals, omitted (or null) when they do not apply: overwrite when present, never add
 * (the same rule as the SDK's MessageStream).
 */
export function mergeUsage(into: AnthropicUsage, delta: AnthropicUsage): AnthropicUsage {
  const merged: AnthropicUsage = { ...into };
  for (const field of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens_details'] as const) {
    if (delta[field] !== undefined && delta[field] !== null) (merged as Record<string, unknown>)[field] = delta[field];
  }
  return merged;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}
