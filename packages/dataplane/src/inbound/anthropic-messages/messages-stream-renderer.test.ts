import { describe, expect, it } from 'vitest';
import type { ChatUsage } from '@proxystacks/shared/openai/wire';
import type { StreamOutcome } from '../../streaming/sse-relay.ts';
import { MessagesStreamRenderer } from './messages-stream-renderer.ts';
import { toAnthropicMessage } from './to-anthropic-message.ts';

const USAGE: ChatUsage = { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, prompt_tokens_details: { cached_tokens: 8, cache_write_tokens: 2 } };
const OUTCOME: StreamOutcome = { end: 'done', usage: USAGE, finishReason: 'stop', contentEvents: 3, ttftMs: 1, errorCode: '', upstreamErrorCode: '' };

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  Buffer.from(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'up-1', choices: [{ index: 0, delta, finish_reason: finish, ...extra }] })}\n\n`);

/** The events a renderer wrote, parsed, checking each event line names its data's type. */
function events(text: string): Array<Record<string, any>> {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      const data = JSON.parse(dataLine!.slice('data: '.length));
      expect(eventLine).toBe(`event: ${data.type}`);
      return data;
    });
}

function render(chunks: Buffer[], stopSequences?: string[]) {
  const renderer = new MessagesStreamRenderer({ id: 'msg_1', requestId: 'req_1', stopSequences, meteredUsage: (outcome) => outcome.usage! });
  const written: string[] = [];
  for (const c of chunks) {
    const out = renderer.event(c);
    if (out !== null) written.push(out.toString());
  }
  return { renderer, written };
}

describe('MessagesStreamRenderer', () => {
  it('holds back a role-only first chunk, then writes text as one block and closes with usage', () => {
    const { renderer, written } = render([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop')]);
    expect(written).toHaveLength(2);
    const all = events(written.join('') + renderer.done(OUTCOME));
    expect(all.map((e) => e.type)).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(all[0]!.message).toEqual({ id: 'msg_1', type: 'message', role: 'assistant', model: 'up-1', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } });
    expect(all[2]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(all[4]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } });
    expect(all[6]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 8, cache_creation_input_tokens: 2 },
    });
  });

  it('gives each tool call its own tool_use block, arguments as input_json_delta, after any text', () => {
    const { renderer, written } = render([
      chunk({ content: 'Let me check.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    const all = events(written.join('') + renderer.done({ ...OUTCOME, finishReason: 'tool_calls' }));
    expect(all.filter((e) => e.type === 'content_block_start').map((e) => [e.index, e.content_block])).toEqual([
      [0, { type: 'text', text: '' }],
      [1, { type: 'tool_use', id: 'call_a', name: 'f', input: {} }],
      [2, { type: 'tool_use', id: 'call_b', name: 'g', input: {} }],
    ]);
    expect(all.filter((e) => e.delta?.type === 'input_json_delta').map((e) => [e.index, e.delta.partial_json])).toEqual([
      [1, '{"q":'],
      [1, '1}'],
      [2, '{}'],
    ]);
    expect(all.filter((e) => e.type === 'content_block_stop').map((e) => e.index)).toEqual([0, 1, 2]);
    expect(all.at(-2)!.delta).toEqual({ stop_reason: 'tool_use', stop_sequence: null });
  });

  it('names the stop sequence when the upstream says which matched, and maps length to max_tokens', () => {
    const stopped = render([chunk({ content: 'a' }), chunk({}, 'stop', { stop_reason: 'END' })], ['END']);
    expect(events(stopped.renderer.done(OUTCOME)).at(-2)!.delta).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
    const long = render([chunk({ content: 'a' }), chunk({}, 'length')]);
    expect(events(long.renderer.done(OUTCOME)).at(-2)!.delta.stop_reason).toBe('max_tokens');
  });

  it('still opens the message when the stream finishes without content, and errors in Anthropic shape', () => {
    const empty = render([chunk({ role: 'assistant', content: '' })]);
    expect(empty.written).toEqual([]);
    expect(events(empty.renderer.done(OUTCOME)).map((e) => e.type)).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
    const failed = empty.renderer.error({ error: { message: 'Cut off.', type: 'api_error', code: 'upstream_stream_interrupted', param: null } });
    expect(events(failed)).toEqual([{ type: 'error', error: { type: 'api_error', message: 'Cut off.' }, request_id: 'req_1' }]);
  });
});

describe('toAnthropicMessage', () => {
  it('renders text and tool calls as blocks, with the stop reason and Anthropic usage', () => {
    const completion = {
      id: 'c',
      object: 'chat.completion' as const,
      created: 0,
      model: 'up-1',
      choices: [{ index: 0, finish_reason: 'tool_calls' as const, message: { role: 'assistant' as const, content: 'Checking.', tool_calls: [{ id: 'call_a', type: 'function' as const, function: { name: 'f', arguments: '{"q":1}' } }, { id: 'call_b', type: 'function' as const, function: { name: 'g', arguments: 'not json' } }] } }],
    };
    expect(toAnthropicMessage(completion, 'msg_1', USAGE, undefined)).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'up-1',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_a', name: 'f', input: { q: 1 } },
        { type: 'tool_use', id: 'call_b', name: 'g', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 8, cache_creation_input_tokens: 2 },
    });
  });

  it('always has a text block when there is nothing else', () => {
    const completion = { id: 'c', object: 'chat.completion' as const, created: 0, model: 'm', choices: [{ index: 0, finish_reason: 'content_filter' as const, message: { role: 'assistant' as const, content: null } }] };
    expect(toAnthropicMessage(completion, 'msg_2', USAGE, undefined)).toMatchObject({ content: [{ type: 'text', text: '' }], stop_reason: 'refusal' });
  });
});
