import { describe, expect, it } from 'vitest';
import { validateResponsesRequest } from '@proxystacks/shared/openai/validate-responses-request';
import { toResponsesParam } from './responses-param.ts';
import { toChatRequest, type MessageSource } from './to-chat-request.ts';

const translate = (body: Record<string, unknown>) => toChatRequest(validateResponsesRequest({ model: 'm', ...body }));

describe('toChatRequest (issue 9: Responses → chat completions)', () => {
  it('turns instructions and a string input into system and user messages', () => {
    expect(translate({ instructions: 'Be terse.', input: 'Hi' })).toEqual({ model: 'm', messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hi' }] });
  });

  it('maps message parts, images, function calls (one assistant turn) and their outputs, and drops reasoning items', () => {
    const chat = translate({
      input: [
        { role: 'developer', content: 'Use tools.' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' }] },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
        { type: 'function_call', call_id: 'call_1', name: 'a', arguments: '{}' },
        { type: 'function_call', call_id: 'call_2', name: 'b', arguments: '{"x":1}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'one' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'two' }] },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'developer', content: 'Use tools.' },
      { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }] },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'a', arguments: '{}' } },
          { id: 'call_2', type: 'function', function: { name: 'b', arguments: '{"x":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'one' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'two' }] },
      { role: 'assistant', content: null, refusal: 'No.' },
    ]);
  });

  it('maps tools, tool_choice, text.format and the sampling settings; keeps store and metadata out of the upstream request', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const chat = translate({
      input: 'x',
      tools: [{ type: 'function', name: 'get', description: 'Get', parameters: schema, strict: true }],
      tool_choice: { type: 'function', name: 'get' },
      parallel_tool_calls: false,
      text: { format: { type: 'json_schema', name: 'out', schema, strict: true }, verbosity: 'low' },
      max_output_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      stream: true,
      store: true,
      metadata: { team: 'a' },
      reasoning: { effort: 'low' },
      include: [],
      truncation: 'disabled',
      previous_response_id: null,
    });
    expect(chat).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      tools: [{ type: 'function', function: { name: 'get', description: 'Get', parameters: schema, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'get' } },
      parallel_tool_calls: false,
      max_completion_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      reasoning_effort: 'low',
      verbosity: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema, strict: true } },
    });
    expect(translate({ input: 'x', text: { format: { type: 'json_object' } } }).response_format).toEqual({ type: 'json_object' });
    expect(translate({ input: 'x', text: { format: { type: 'text' } } }).response_format).toBeUndefined();
  });
});

describe('validateResponsesRequest (issue 9)', () => {
  const refusal = (body: Record<string, unknown>) => {
    try {
      validateResponsesRequest({ model: 'm', input: 'x', ...body });
    } catch (err) {
      const { code, param } = err as { code: string; param: string | null };
      return { code, param };
    }
    return null;
  };

  it.each([
    [{ previous_response_id: 'resp_1' }, 'unsupported_parameter', 'previous_response_id'],
    [{ conversation: 'conv_1' }, 'unsupported_parameter', 'conversation'],
    [{ background: true }, 'unsupported_parameter', 'background'],
    [{ frobnicate: 1 }, 'unknown_parameter', 'frobnicate'],
    [{ input: 42 }, 'invalid_type', 'input'],
    [{ input: [] }, 'invalid_value', 'input'],
    [{ input: undefined }, 'missing_required_parameter', 'input'],
    [{ model: '' }, 'invalid_value', 'model'],
    [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'unsupported_value', 'input[0].type'],
    [{ input: [{ role: 'robot', content: 'x' }] }, 'invalid_value', 'input[0].role'],
    [{ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] }, 'unsupported_value', 'input[0].content[0].file_id'],
    [{ input: [{ role: 'user', content: [{ type: 'input_file', file_data: 'x' }] }] }, 'unsupported_value', 'input[0].content[0].type'],
    [{ input: [{ type: 'function_call', call_id: 'c', name: 'n' }] }, 'invalid_type', 'input[0].arguments'],
    [{ tools: [{ type: 'web_search' }] }, 'unsupported_value', 'tools[0].type'],
    [{ tools: [{ type: 'function' }] }, 'missing_required_parameter', 'tools[0].name'],
    [{ tool_choice: { type: 'web_search' } }, 'unsupported_value', 'tool_choice'],
    [{ text: { format: { type: 'json_schema', name: 'n' } } }, 'missing_required_parameter', 'text.format.schema'],
    [{ text: { format: { type: 'xml' } } }, 'invalid_value', 'text.format.type'],
    [{ temperature: 3 }, 'invalid_value', 'temperature'],
    [{ max_output_tokens: 0 }, 'invalid_value', 'max_output_tokens'],
    [{ metadata: { a: 1 } }, 'invalid_type', 'metadata.a'],
    [{ tools: Array.from({ length: 129 }, () => ({ type: 'function', name: 'f' })) }, 'array_above_max_length', 'tools'],
  ])('refuses %j with %s on %s', (body, code, param) => {
    expect(refusal(body)).toEqual({ code, param });
  });

  it('accepts what SDKs send as defaults: null previous_response_id, background false, store true', () => {
    expect(refusal({ previous_response_id: null, background: false, store: true, prompt: null })).toBeNull();
  });
});

describe('toResponsesParam (issue 9: adapter refusals in the client’s terms)', () => {
  const sources: MessageSource[] = [];
  toChatRequest(
    validateResponsesRequest({
      model: 'm',
      instructions: 'Be brief.',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'x' }, { type: 'input_image', image_url: 'data:image/bmp;base64,Qk0=' }] },
        { type: 'reasoning', id: 'rs_1' },
        { type: 'function_call', call_id: 'c1', name: 'a', arguments: '{}' },
        { type: 'function_call', call_id: 'c2', name: 'b', arguments: '[' },
        { type: 'function_call_output', call_id: 'c1', output: 'ok' },
      ],
    }),
    sources,
  );

  it.each([
    ['messages[0]', 'instructions'],
    ['messages[1].content[1].image_url.url', 'input[0].content[1].image_url'],
    ['messages[2].tool_calls[1].function.arguments', 'input[3].arguments'],
    ['messages[3].tool_call_id', 'input[4].call_id'],
    ['response_format.json_schema.schema', 'text.format.schema'],
    ['response_format.type', 'text.format.type'],
    ['tools[2].function.name', 'tools[2].name'],
    ['max_completion_tokens', 'max_output_tokens'],
    ['temperature', 'temperature'],
  ])('%s → %s', (chatParam, responsesParam) => {
    expect(toResponsesParam(chatParam, sources)).toBe(responsesParam);
  });
});
