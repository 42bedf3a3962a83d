import { describe, expect, it } from 'vitest';
import { toChatRequest } from './to-chat-request.ts';
import { validateMessagesRequest } from './validate-messages-request.ts';

const translate = (body: Record<string, unknown>) => toChatRequest(validateMessagesRequest({ model: 'alias', max_tokens: 64, ...body }));

describe('toChatRequest', () => {
  it('maps the parameters OpenAI has and drops top_k and thinking', () => {
    const chat = translate({
      messages: [{ role: 'user', content: 'Hi' }],
      system: 'Be brief.',
      stop_sequences: ['END', 'STOP'],
      temperature: 0.4,
      top_p: 0.7,
      top_k: 3,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      metadata: { user_id: 'u-1' },
      stream: true,
    });
    expect(chat).toEqual({
      model: 'alias',
      max_tokens: 64,
      stream: true,
      temperature: 0.4,
      top_p: 0.7,
      stop: ['END', 'STOP'],
      user: 'u-1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });
  });

  it.each([
    [{ type: 'auto' }, 'auto', undefined],
    [{ type: 'any' }, 'required', undefined],
    [{ type: 'none' }, 'none', undefined],
    [{ type: 'tool', name: 'lookup' }, { type: 'function', function: { name: 'lookup' } }, undefined],
    [{ type: 'any', disable_parallel_tool_use: true }, 'required', false],
  ])('maps tool_choice %j', (toolChoice, expected, parallel) => {
    const chat = translate({ messages: [{ role: 'user', content: 'Hi' }], tools: [{ name: 'lookup', description: 'Look up', input_schema: { type: 'object' } }], tool_choice: toolChoice });
    expect(chat.tools).toEqual([{ type: 'function', function: { name: 'lookup', description: 'Look up', parameters: { type: 'object' } } }]);
    expect(chat.tool_choice).toEqual(expected);
    expect(chat.parallel_tool_calls).toBe(parallel);
  });

  it('turns tool_use into tool_calls and tool_result into tool messages ahead of the user text, images riding along', () => {
    const chat = translate({
      system: [{ type: 'text', text: 'A' }, { type: 'text', text: 'B' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Go' }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Calling.' }, { type: 'tool_use', id: 't1', name: 'lookup', input: { q: 1 } }, { type: 'tool_use', id: 't2', name: 'lookup', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: 'one' },
            { type: 'tool_result', tool_use_id: 't2', content: [{ type: 'text', text: 'two' }, { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }], is_error: true },
            { type: 'text', text: 'And?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't3', name: 'lookup', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't3' }] },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'system', content: 'A\nB' },
      { role: 'user', content: 'Go' },
      {
        role: 'assistant',
        content: 'Calling.',
        tool_calls: [
          { id: 't1', type: 'function', function: { name: 'lookup', arguments: '{"q":1}' } },
          { id: 't2', type: 'function', function: { name: 'lookup', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 't1', content: 'one' },
      { role: 'tool', tool_call_id: 't2', content: 'two' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          { type: 'text', text: 'And?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [{ id: 't3', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't3', content: '' },
    ]);
  });

  it.each([
    [{ max_tokens: undefined }, 'missing_required_parameter', 'max_tokens'],
    [{ max_tokens: 0 }, 'invalid_value', 'max_tokens'],
    [{ temperature: 1.5 }, 'invalid_value', 'temperature'],
    [{ messages: [{ role: 'system', content: 'x' }] }, 'invalid_value', 'messages[0].role'],
    [{ messages: [] }, 'invalid_value', 'messages'],
    [{ system: [{ type: 'image', source: {} }] }, 'invalid_value', 'system[0]'],
    [{ messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] }, 'unsupported_value', 'messages[0].content[0].type'],
    [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] }, 'invalid_value', 'messages[0].content[0].source'],
    [{ messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] }, 'missing_required_parameter', 'messages[0].content[0].tool_use_id'],
    [{ messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: [1] }] }] }, 'invalid_value', 'messages[0].content[0]'],
    [{ tools: [{ name: 'web', type: 'web_search_20250305' }] }, 'unsupported_value', 'tools[0].type'],
    [{ tools: [{ name: 'f' }] }, 'missing_required_parameter', 'tools[0].input_schema'],
    [{ tool_choice: { type: 'sometimes' } }, 'invalid_value', 'tool_choice.type'],
  ])('refuses %j with %s on %s', (extra, code, param) => {
    expect(() => translate({ messages: [{ role: 'user', content: 'x' }], ...extra })).toThrow(expect.objectContaining({ code, param }));
  });

  it('takes a count_tokens body without max_tokens', () => {
    expect(toChatRequest(validateMessagesRequest({ model: 'alias', messages: [{ role: 'user', content: 'x' }] }, { countTokens: true })).max_tokens).toBeUndefined();
  });
});
