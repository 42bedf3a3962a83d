import type { FinishReason } from '@proxystacks/shared/openai/wire';

/** Gemini finish reasons that mean a safety or policy filter stopped the answer. */
const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'LANGUAGE']);

/**
 * Gemini's `finishReason` in OpenAI's terms. Gemini says STOP after function calls too, so a
 * candidate that called a function finishes with `tool_calls`, as OpenAI's would.
 */
export function toOpenAIFinishReason(reason: string | undefined, calledFunctions: boolean): FinishReason | null {
  if (reason === undefined || reason === '' || reason === 'FINISH_REASON_UNSPECIFIED') return null;
  if (calledFunctions) return 'tool_calls';
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  return 'stop';
}
