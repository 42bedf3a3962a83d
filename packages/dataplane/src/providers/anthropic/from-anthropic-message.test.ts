import { describe, expect, it } from 'vitest';
import type { AnthropicMessage } from '@proxystacks/shared/anthropic/messages-wire';
import { fromAnthropicMessage } from './from-anthropic-message.ts';
import { toFinishReason } from './finish-reason.ts';
import { mergeUsage, toChatUsage } from './usage.ts';

const message = (fields: Partial<AnthropicMessage>): AnthropicMessage => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-x',
  content: [],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5 },
  ...fields,
});

describe('fromAnthropicMessage', () => {
  it('joins text, carries thinking as reasoning_content, and reports usage', () => {
    const out = fromAnthropicMessage(
      message({ content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Hello ' }, { type: 'text', text: 'there' }] }),
      null,
      1700000000,
    );
    expect(out).toEqual({
      id: 'msg_1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-x',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there', refusal: null, reasoning_content: 'hmm' }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } },
    });
  });

  it('turns tool_use blocks into tool_calls with JSON arguments', () => {
    const out = fromAnthropicMessage(
      message({
        stop_reason: 'tool_use',
        content: [
          { type: 'tool_use', id: 't1', name: 'a', input: { x: 1 } },
          { type: 'tool_use', id: 't2', name: 'b', input: {} },
        ],
      }),
      null,
      0,
    );
    expect(out.choices[0]).toMatchObject({
      message: { content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'a', arguments: '{"x":1}' } }, { id: 't2', type: 'function', function: { name: 'b', arguments: '{}' } }] },
      finish_reason: 'tool_calls',
    });
  });

  it('turns the JSON-mode answer tool into content, with finish reason stop', () => {
    const out = fromAnthropicMessage(message({ stop_reason: 'tool_use', content: [{ type: 'tool_use', id: 't', name: 'json_response', input: { a: [1, 2] } }] }), 'json_response', 0);
    expect(out.choices[0]).toMatchObject({ message: { content: '{"a":[1,2]}' }, finish_reason: 'stop' });
    expect(out.choices[0]!.message.tool_calls).toBeUndefined();
  });
});

describe('finish reasons', () => {
  it.each([
    ['end_turn', false, 'stop'],
    ['stop_sequence', false, 'stop'],
    ['max_tokens', false, 'length'],
    ['model_context_window_exceeded', false, 'length'],
    ['tool_use', true, 'tool_calls'],
    ['tool_use', false, 'stop'],
    ['refusal', false, 'content_filter'],
    ['pause_turn', false, 'stop'],
    [null, false, 'stop'],
  ] as const)('%s (client tool called: %s) → %s', (reason, called, expected) => {
    expect(toFinishReason(reason, called)).toBe(expected);
  });
});

describe('usage', () => {
  it('adds cache reads and writes to the prompt, and breaks out thinking', () => {
    expect(toChatUsage({ input_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 30, output_tokens_details: { thinking_tokens: 12 } })).toEqual({
      prompt_tokens: 125,
      completion_tokens: 30,
      total_tokens: 155,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
      completion_tokens_details: { reasoning_tokens: 12 },
    });
  });

  it('overwrites cumulative counters from message_delta when present, never adds', () => {
    const start = { input_tokens: 5, cache_read_input_tokens: 7, output_tokens: 1 };
    expect(mergeUsage(start, { output_tokens: 40, input_tokens: null })).toEqual({ input_tokens: 5, cache_read_input_tokens: 7, output_tokens: 40 });
    expect(mergeUsage(start, { output_tokens: 40, input_tokens: 6, cache_creation_input_tokens: 3 })).toEqual({ input_tokens: 6, cache_read_input_tokens: 7, cache_creation_input_tokens: 3, output_tokens: 40 });
  });
});
