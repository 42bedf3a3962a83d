import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, JSON_RESPONSE_TOOL_NAME, toAnthropicRequest } from './to-anthropic-request.ts';

const base = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({ model: 'alias', messages: [{ role: 'user', content: 'Hi' }], ...extra });
const tools: ChatCompletionRequest['tools'] = [{ type: 'function', function: { name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];

describe('toAnthropicRequest', () => {
  it('hoists system and developer messages, merges consecutive roles, and defaults max_tokens', () => {
    const { body } = toAnthropicRequest(
      base({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'One' },
          { role: 'user', content: [{ type: 'text', text: 'Two' }] },
          { role: 'developer', content: [{ type: 'text', text: 'English only.' }] },
          { role: 'assistant', content: 'Three' },
          { role: 'assistant', content: '' },
          { role: 'user', content: 'Four' },
        ],
      }),
      'claude-x',
      false,
    );
    expect(body).toEqual({
      model: 'claude-x',
      max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS,
      system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'English only.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'One' }, { type: 'text', text: 'Two' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Three' }] },
        { role: 'user', content: [{ type: 'text', text: 'Four' }] },
      ],
    });
  });

  it('takes max_completion_tokens over max_tokens, stop as stop_sequences, user as metadata, and sets stream', () => {
    const { body } = toAnthropicRequest(base({ max_tokens: 10, max_completion_tokens: 20, stop: 'END', user: 'u-1', temperature: 0.5, top_p: 0.8 }), 'm', true);
    expect(body).toMatchObject({ max_tokens: 20, stop_sequences: ['END'], metadata: { user_id: 'u-1' }, temperature: 0.5, top_p: 0.8, stream: true });
    expect(toAnthropicRequest(base({ max_tokens: 10, stop: ['a', 'b'] }), 'm', false).body).toMatchObject({ max_tokens: 10, stop_sequences: ['a', 'b'] });
  });

  it('turns images into base64 or URL sources', () => {
    const { body } = toAnthropicRequest(
      base({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0K' } },
              { type: 'image_url', image_url: { url: 'data:image/jpg,%FF%D8' } },
              { type: 'image_url', image_url: { url: 'https://example.com/a.webp' } },
            ],
          },
        ],
      }),
      'm',
      false,
    );
    expect(body.messages[0]!.content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0K' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: Buffer.from([0xff, 0xd8]).toString('base64') } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.webp' } },
    ]);
  });

  it('turns tool calls into tool_use and tool results into one user turn, results first', () => {
    const { body } = toAnthropicRequest(
      base({
        messages: [
          { role: 'user', content: 'Go' },
          {
            role: 'assistant',
            content: 'Calling.',
            tool_calls: [
              { id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"q":"a"}' } },
              { id: 'c2', type: 'function', function: { name: 'lookup', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'A' },
          { role: 'tool', tool_call_id: 'c2', content: [{ type: 'text', text: 'B' }] },
          { role: 'user', content: 'And?' },
        ],
        tools,
      }),
      'm',
      false,
    );
    expect(body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Calling.' },
          { type: 'tool_use', id: 'c1', name: 'lookup', input: { q: 'a' } },
          { type: 'tool_use', id: 'c2', name: 'lookup', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'c1', content: 'A' },
          { type: 'tool_result', tool_use_id: 'c2', content: [{ type: 'text', text: 'B' }] },
          { type: 'text', text: 'And?' },
        ],
      },
    ]);
    expect(body.tools).toEqual([{ name: 'lookup', description: 'Look up', input_schema: tools![0]!.function.parameters }]);
  });

  it.each([
    [undefined, undefined, undefined],
    ['auto', undefined, undefined],
    ['none', undefined, { type: 'none' }],
    ['required', undefined, { type: 'any' }],
    [{ type: 'function', function: { name: 'lookup' } }, undefined, { type: 'tool', name: 'lookup' }],
    ['auto', false, { type: 'auto', disable_parallel_tool_use: true }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
  ] as const)('maps tool_choice %j with parallel_tool_calls %j', (choice, parallel, expected) => {
    const request = base({ tools, ...(choice === undefined ? {} : { tool_choice: choice as ChatCompletionRequest['tool_choice'] }), ...(parallel === undefined ? {} : { parallel_tool_calls: parallel }) });
    expect(toAnthropicRequest(request, 'm', false).body.tool_choice).toEqual(expected);
  });

  it('implements JSON mode with a forced answer tool', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    const plan = toAnthropicRequest(base({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }), 'm', false);
    expect(plan.jsonToolName).toBe(JSON_RESPONSE_TOOL_NAME);
    expect(plan.body.tools).toEqual([{ name: JSON_RESPONSE_TOOL_NAME, description: expect.any(String), input_schema: schema }]);
    expect(plan.body.tool_choice).toEqual({ type: 'tool', name: JSON_RESPONSE_TOOL_NAME });
    expect(toAnthropicRequest(base({ response_format: { type: 'json_object' } }), 'm', false).body.tools![0]!.input_schema).toEqual({ type: 'object' });
    // With tools of the client's own, the model must call one of them or the answer tool.
    const withTools = toAnthropicRequest(base({ tools, response_format: { type: 'json_object' } }), 'm', false).body;
    expect(withTools.tools!.map((t) => t.name)).toEqual(['lookup', JSON_RESPONSE_TOOL_NAME]);
    expect(withTools.tool_choice).toEqual({ type: 'any' });
    expect(toAnthropicRequest(base({ response_format: { type: 'text' } }), 'm', false).jsonToolName).toBeNull();
  });

  it.each([
    [{ n: 2 }, 'unsupported_value', 'n'],
    [{ temperature: 1.2 }, 'invalid_value', 'temperature'],
    [{ logprobs: true }, 'unsupported_parameter', 'logprobs'],
    [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }, 'unsupported_value', 'messages[0].content[0].type'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AA' } }] }] }, 'invalid_value', 'messages[0].content[0].image_url.url'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] }, 'invalid_value', 'messages[0].content[0].image_url.url'],
    [{ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] }, 'invalid_value', 'messages[0].tool_calls[0].function.arguments'],
    [{ messages: [{ role: 'tool', content: 'x' }] }, 'missing_required_parameter', 'messages[0].tool_call_id'],
    [{ messages: [{ role: 'function', content: 'x' }] }, 'unsupported_value', 'messages[0].role'],
    [{ response_format: { type: 'yaml' } }, 'invalid_value', 'response_format.type'],
  ])('refuses %j with %s on %s', (extra, code, param) => {
    expect(() => toAnthropicRequest(base(extra as Partial<ChatCompletionRequest>), 'm', false)).toThrow(expect.objectContaining({ code, param }));
  });
});
