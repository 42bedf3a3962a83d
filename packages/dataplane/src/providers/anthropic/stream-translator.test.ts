import { describe, expect, it } from 'vitest';
import { SseEventTooLarge } from '../../streaming/sse-scanner.ts';
import { translateAnthropicStream } from './stream-translator.ts';

/** A stream as Anthropic sends it: named events, a ping, thinking, text, a tool call opened by an empty fragment. */
const EVENTS: Array<[string, unknown]> = [
  ['message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, cache_read_input_tokens: 30, cache_creation_input_tokens: 4, output_tokens: 1 } } }],
  ['ping', { type: 'ping' }],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me see.' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQB' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hello' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: ' world' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 1 }],
  ['content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} } }],
  ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"q": "pa' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: 'ris"}' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 2 }],
  ['content_block_start', { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_2', name: 'now', input: {} } }],
  ['content_block_stop', { type: 'content_block_stop', index: 3 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 57 } }],
  ['message_stop', { type: 'message_stop' }],
];

const sse = (events: Array<[string, unknown]>) => events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');

async function translate(text: string, pieceBytes: number, jsonToolName: string | null = null): Promise<unknown[]> {
  const bytes = Buffer.from(text);
  async function* pieces() {
    for (let i = 0; i < bytes.length; i += pieceBytes) yield bytes.subarray(i, i + pieceBytes);
  }
  let out = '';
  for await (const chunk of translateAnthropicStream(pieces(), { jsonToolName, createdS: 1700000000, maxEventBytes: 64 * 1024 })) out += chunk.toString('utf8');
  expect(out.endsWith('\n\n')).toBe(true);
  return out
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      const data = event.slice(6);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

const deltas = (chunks: unknown[]) => chunks.map((chunk) => (chunk === '[DONE]' ? chunk : (chunk as { choices: Array<{ delta: unknown; finish_reason: unknown }> }).choices[0] ?? (chunk as { usage: unknown }).usage));

describe('translateAnthropicStream', () => {
  it.each([1, 7, 100_000])('translates a whole stream into OpenAI chunks (upstream cut into %i-byte pieces)', async (pieceBytes) => {
    const chunks = await translate(sse(EVENTS), pieceBytes);
    expect(chunks[0]).toMatchObject({ id: 'msg_1', object: 'chat.completion.chunk', created: 1700000000, model: 'claude-x' });
    expect(deltas(chunks)).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { reasoning_content: 'Let me see.' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'Hello' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: ' world' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '' } }] }, logprobs: null, finish_reason: null },
      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"q": "pa' } }] }, logprobs: null, finish_reason: null },
      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ris"}' } }] }, logprobs: null, finish_reason: null },
      { index: 0, delta: { tool_calls: [{ index: 1, id: 'toolu_2', type: 'function', function: { name: 'now', arguments: '' } }] }, logprobs: null, finish_reason: null },
      // A call whose input never came in fragments still gets arguments that parse.
      { index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: '{}' } }] }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' },
      { prompt_tokens: 46, completion_tokens: 57, total_tokens: 103, prompt_tokens_details: { cached_tokens: 30, cache_write_tokens: 4 } },
      '[DONE]',
    ]);
    expect((chunks.at(-2) as { choices: unknown[] }).choices).toEqual([]);
  });

  it('streams the JSON-mode answer tool as content, dropping text, finishing with stop', async () => {
    const events: Array<[string, unknown]> = [
      EVENTS[0]!,
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'json_response', input: {} } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } }],
      ['message_stop', { type: 'message_stop' }],
    ];
    const chunks = deltas(await translate(sse(events), 5, 'json_response')) as Array<{ delta?: { content?: string }; finish_reason?: string }>;
    expect(chunks.map((c) => c.delta?.content ?? '').join('')).toBe('{"a":1}');
    expect(chunks.find((c) => c.finish_reason)?.finish_reason).toBe('stop');
  });

  it('turns a mid-stream error event into an OpenAI error event without the provider text', async () => {
    const events: Array<[string, unknown]> = [EVENTS[0]!, EVENTS[6]!, EVENTS[7]!, ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded for org 1234' } }]];
    const chunks = await translate(sse(events), 3);
    expect(chunks.at(-1)).toEqual({ error: { message: '', type: 'overloaded_error', code: 'overloaded_error', param: null } });
  });

  it('fails on an event past the byte limit', async () => {
    async function* huge() {
      yield Buffer.from(`event: content_block_delta\ndata: ${'x'.repeat(2048)}`);
    }
    const run = async () => {
      for await (const _ of translateAnthropicStream(huge(), { jsonToolName: null, createdS: 0, maxEventBytes: 1024 })) void _;
    };
    await expect(run()).rejects.toBeInstanceOf(SseEventTooLarge);
  });
});
