import type { ChatCompletion, ChatToolCall } from '@proxystacks/shared/openai/wire';
import type { GeminiPart, GeminiResponse } from './gemini-wire.ts';
import { toOpenAIFinishReason } from './gemini-finish-reason.ts';
import { toOpenAIUsage } from './gemini-usage.ts';
import { newToolCallId } from './tool-call-ids.ts';

/** What a candidate's parts say in OpenAI terms: the visible text and the function calls. */
export interface TranslatedParts {
  text: string;
  toolCalls: ChatToolCall[];
}

/** Splits parts into text and calls; thought summaries are left out, as OpenAI never shows reasoning in `content`. */
export function translateParts(parts: readonly GeminiPart[] | undefined): TranslatedParts {
  let text = '';
  const toolCalls: ChatToolCall[] = [];
  for (const part of parts ?? []) {
    if (part.thought === true) continue;
    if (typeof part.text === 'string') text += part.text;
    if (part.functionCall !== undefined) {
      toolCalls.push({
        id: newToolCallId(part.thoughtSignature),
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
      });
    }
  }
  return { text, toolCalls };
}

/**
 * A whole `generateContent` answer as an OpenAI chat completion. A prompt blocked before any
 * candidate (`promptFeedback.blockReason`) becomes one empty choice with `content_filter`, as
 * OpenAI reports a filtered answer.
 */
export function fromGeminiResponse(response: GeminiResponse, meta: { id: string; created: number; model: string }): ChatCompletion {
  const candidates = response.candidates ?? [];
  const choices: ChatCompletion['choices'] = candidates.map((candidate, position) => {
    const { text, toolCalls } = translateParts(candidate.content?.parts);
    return {
      index: candidate.index ?? position,
      message: {
        role: 'assistant',
        content: text === '' && toolCalls.length > 0 ? null : text,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        refusal: null,
      },
      logprobs: null,
      finish_reason: toOpenAIFinishReason(candidate.finishReason, toolCalls.length > 0) ?? 'stop',
    };
  });
  if (choices.length === 0) {
    choices.push({ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' });
  }
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: response.modelVersion ?? meta.model,
    choices,
    ...(response.usageMetadata === undefined ? {} : { usage: toOpenAIUsage(response.usageMetadata) }),
    system_fingerprint: null,
  };
}
