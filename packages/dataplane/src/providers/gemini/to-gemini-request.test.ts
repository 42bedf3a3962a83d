import { describe, expect, it } from 'vitest';
import { isRelayError } from '@proxystacks/shared/errors/relay-error';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import { toGeminiRequest } from './to-gemini-request.ts';
import { newToolCallId } from './tool-call-ids.ts';

const request = (fields: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({ model: 'alias', messages: [{ role: 'user', content: 'Hi' }], ...fields });

function refusal(fields: Partial<ChatCompletionRequest>): { code: string; param: string | null } {
  try {
    toGeminiRequest(request(fields));
  } catch (err) {
    if (isRelayError(err)) return { code: err.code, param: err.param };
    throw err;
  }
  throw new Error('not refused');
}

describe('toGeminiRequest', () => {
  it('puts system and developer messages in systemInstruction and maps assistant to model, merging same-role turns', () => {
    const out = toGeminiRequest(
      request({
        messages: [
          { role: 'system', content: 'Rule one.' },
          { role: 'developer', content: [{ type: 'text', text: 'Rule two.' }] },
          { role: 'user', content: 'A' },
          { role: 'user', content: 'B' },
          { role: 'assistant', content: 'C' },
          { role: 'user', content: 'D' },
        ],
      }),
    );
    expect(out.systemInstruction).toEqual({ parts: [{ text: 'Rule one.' }, { text: 'Rule two.' }] });
    expect(out.contents).toEqual([
      { role: 'user', parts: [{ text: 'A' }, { text: 'B' }] },
      { role: 'model', parts: [{ text: 'C' }] },
      { role: 'user', parts: [{ text: 'D' }] },
    ]);
  });

  it('turns tool calls into functionCall parts (signature restored from the id) and tool results into functionResponse parts by call name', () => {
    const signed = newToolCallId('c2lnbmF0dXJl');
    const out = toGeminiRequest(
      request({
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [{ id: signed, type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }, { id: 'call_b', type: 'function', function: { name: 'time', arguments: '' } }] },
          { role: 'tool', tool_call_id: 'call_b', content: '12:00' },
          { role: 'tool', tool_call_id: signed, content: 'rain' },
        ],
      }),
    );
    expect(out.contents[1]).toEqual({ role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Oslo' } }, thoughtSignature: 'c2lnbmF0dXJl' }, { functionCall: { name: 'time', args: {} } }] });
    expect(out.contents[2]).toEqual({ role: 'user', parts: [{ functionResponse: { name: 'time', response: { output: '12:00' } } }, { functionResponse: { name: 'weather', response: { output: 'rain' } } }] });
  });

  it('maps sampling parameters, stop, n and seed to generationConfig', () => {
    const out = toGeminiRequest(request({ temperature: 0.5, top_p: 0.8, max_completion_tokens: 100, max_tokens: 5, stop: 'X', n: 2, seed: 3, presence_penalty: 0.1, frequency_penalty: 0.2 }));
    expect(out.generationConfig).toEqual({ temperature: 0.5, topP: 0.8, maxOutputTokens: 100, stopSequences: ['X'], candidateCount: 2, seed: 3, presencePenalty: 0.1, frequencyPenalty: 0.2 });
    expect(toGeminiRequest(request({ n: 1 })).generationConfig).toBeUndefined();
  });

  it('maps response_format and tool_choice', () => {
    expect(toGeminiRequest(request({ response_format: { type: 'json_object' } })).generationConfig).toEqual({ responseMimeType: 'application/json' });
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(toGeminiRequest(request({ response_format: { type: 'json_schema', json_schema: { name: 's', schema } } })).generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema });
    const tools = [{ type: 'function' as const, function: { name: 'f', description: 'd', parameters: schema } }];
    const out = toGeminiRequest(request({ tools, tool_choice: { type: 'function', function: { name: 'f' } } }));
    expect(out.tools).toEqual([{ functionDeclarations: [{ name: 'f', description: 'd', parametersJsonSchema: schema }] }]);
    expect(out.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
    expect(toGeminiRequest(request({ tools, tool_choice: 'required' })).toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(toGeminiRequest(request({ tools, tool_choice: 'none' })).toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
  });

  it('maps image URLs: data URLs inline, http(s) URLs as fileData with a guessed type', () => {
    const out = toGeminiRequest(request({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/webp;base64,AAAA' } }, { type: 'image_url', image_url: { url: 'http://x.example/a/b.heic#frag' } }] }] }));
    expect(out.contents[0]!.parts).toEqual([{ inlineData: { mimeType: 'image/webp', data: 'AAAA' } }, { fileData: { mimeType: 'image/heic', fileUri: 'http://x.example/a/b.heic#frag' } }]);
  });

  it('refuses what it cannot translate faithfully, naming the parameter', () => {
    expect(refusal({ logit_bias: { 1: 2 } })).toEqual({ code: 'unsupported_parameter', param: 'logit_bias' });
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/a.png' } }] }] })).toEqual({ code: 'invalid_value', param: 'messages[0].content[0].image_url.url' });
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,notbase64' } }] }] })).toEqual({ code: 'invalid_value', param: 'messages[0].content[0].image_url.url' });
    expect(refusal({ messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] })).toEqual({ code: 'invalid_value', param: 'messages[0].tool_call_id' });
    expect(refusal({ messages: [{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] })).toEqual({ code: 'invalid_value', param: 'messages[0].tool_calls[0].function.arguments' });
    expect(refusal({ response_format: { type: 'xml' } })).toEqual({ code: 'invalid_value', param: 'response_format.type' });
  });
});
