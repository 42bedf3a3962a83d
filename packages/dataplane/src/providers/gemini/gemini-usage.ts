import type { ChatUsage } from '@proxystacks/shared/openai/wire';
import type { GeminiUsageMetadata } from './gemini-wire.ts';

/**
 * Gemini `usageMetadata` in OpenAI's terms. Gemini counts thoughts apart from the answer
 * (`thoughtsTokenCount` is not in `candidatesTokenCount`) while OpenAI counts reasoning inside
 * `completion_tokens`, so thoughts are added in and also reported as `reasoning_tokens`; both
 * are billed as output. Tool-use prompt tokens (results of Google-side tools) are input.
 * `promptTokenCount` already includes the cached tokens, as OpenAI's `prompt_tokens` does.
 */
export function toOpenAIUsage(usage: GeminiUsageMetadata): ChatUsage {
  const prompt = count(usage.promptTokenCount) + count(usage.toolUsePromptTokenCount);
  const reasoning = count(usage.thoughtsTokenCount);
  const completion = count(usage.candidatesTokenCount) + reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: Math.min(count(usage.cachedContentTokenCount), prompt) },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}
