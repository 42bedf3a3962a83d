import { describe, expect, it } from 'vitest';
import { fromGeminiResponse } from './from-gemini-response.ts';
import { toOpenAIFinishReason } from './gemini-finish-reason.ts';
import { toOpenAIUsage } from './gemini-usage.ts';
import { signatureOfToolCallId } from './tool-call-ids.ts';

const meta = { id: 'chatcmpl-1', created: 1, model: 'gemini-x' };

describe('fromGeminiResponse', () => {
  it('joins text parts, leaves thoughts out, and maps usage', () => {
    const out = fromGeminiResponse(
      { candidates: [{ content: { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'Hello' }, { text: ' there' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 2, thoughtsTokenCount: 5, cachedContentTokenCount: 4 }, modelVersion: 'gemini-2.5-flash-001' },
      meta,
    );
    expect(out.model).toBe('gemini-2.5-flash-001');
    expect(out.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Hello there', refusal: null }, logprobs: null, finish_reason: 'stop' }]);
    expect(out.usage).toEqual({ prompt_tokens: 10, completion_tokens: 7, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 5 } });
  });

  it('turns function calls into tool_calls (finish tool_calls although Gemini says STOP) and keeps the signature in the id', () => {
    const out = fromGeminiResponse({ candidates: [{ content: { parts: [{ functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: 'c2ln' }, { functionCall: { name: 'g' } }] }, finishReason: 'STOP' }] }, meta);
    const choice = out.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls!.map((c) => [c.function.name, c.function.arguments])).toEqual([['f', '{"a":1}'], ['g', '{}']]);
    expect(signatureOfToolCallId(choice.message.tool_calls![0]!.id)).toBe('c2ln');
    expect(signatureOfToolCallId(choice.message.tool_calls![1]!.id)).toBeUndefined();
  });

  it('answers a blocked prompt with an empty content_filter choice', () => {
    expect(fromGeminiResponse({ promptFeedback: { blockReason: 'SAFETY' } }, meta).choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { content: null } });
  });
});

describe('finish reasons and usage', () => {
  it('maps every Gemini finish reason', () => {
    expect(toOpenAIFinishReason('STOP', false)).toBe('stop');
    expect(toOpenAIFinishReason('MAX_TOKENS', false)).toBe('length');
    for (const reason of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII']) expect(toOpenAIFinishReason(reason, false)).toBe('content_filter');
    expect(toOpenAIFinishReason('STOP', true)).toBe('tool_calls');
    expect(toOpenAIFinishReason(undefined, false)).toBeNull();
  });

  it('counts tool-use prompt tokens as input and never reports more cached than prompt tokens', () => {
    expect(toOpenAIUsage({ promptTokenCount: 3, toolUsePromptTokenCount: 2, cachedContentTokenCount: 99, candidatesTokenCount: 1 })).toMatchObject({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_tokens_details: { cached_tokens: 5 } });
    expect(toOpenAIUsage({})).toMatchObject({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});
