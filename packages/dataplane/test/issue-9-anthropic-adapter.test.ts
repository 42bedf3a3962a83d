import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import { mockReplyWords } from '../src/mock/mock-directives.ts';
import { MOCK_ANTHROPIC_RETRY_AFTER_SECONDS } from '../src/mock/anthropic-wire.ts';
import { PRICES, anthropicMockProvider, singleRoute, postAndHangUpAfterFirstChunk, startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 9: an `anthropic` provider works end to end. The official OpenAI SDK talks to the data
 * plane over real HTTP; the data plane translates to Anthropic's Messages API and back; the
 * upstream is the mock provider's Anthropic wire (which refuses what the real API refuses:
 * missing headers, roles not alternating, bad images, unanswered tool calls).
 */
let h: Harness;
let client: OpenAI;
beforeAll(async () => {
  h = await startHarness();
  h.applySnapshot((content) => {
    content.providers.push(anthropicMockProvider(h, 'prov-anthropic'), anthropicMockProvider(h, 'prov-anthropic-nokey', false));
    content.routes.push(singleRoute('claude', 'prov-anthropic', 'claude-mock-1'), singleRoute('claude-nokey', 'prov-anthropic-nokey', 'claude-mock-1'));
  });
  client = new OpenAI({ apiKey: h.activeKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await h?.close();
});

const TOOLS: OpenAI.Chat.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { query: { type: 'string' } } } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { query: { type: 'string' } } } } },
];
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function post(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude', ...body }),
  });
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Tool calls reassembled from stream deltas, checking OpenAI's order: index, id and name first, then arguments. */
function assembleToolCalls(chunks: ChatCompletionChunk[]): Array<{ id: string; name: string; arguments: string }> {
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const delta of chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])) {
    if (calls[delta.index] === undefined) {
      expect(delta.id).toBeTypeOf('string');
      expect(delta.function?.name).toBeTypeOf('string');
      calls[delta.index] = { id: delta.id!, name: delta.function!.name!, arguments: delta.function?.arguments ?? '' };
    } else {
      expect(delta.id).toBeUndefined();
      calls[delta.index]!.arguments += delta.function?.arguments ?? '';
    }
  }
  return calls;
}

describe('an anthropic provider through the OpenAI SDK', () => {
  it('answers a plain request, meters the provider usage and prices it', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Hello mock:words=5' }] }).withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('claude-mock-1');
    expect(data.choices[0]!.message.content).toBe(mockReplyWords(5).join(' '));
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({
      provider_id: 'prov-anthropic',
      provider_type: 'anthropic',
      upstream_model: 'claude-mock-1',
      status_code: 200,
      usage_source: 'provider',
      prompt_tokens: data.usage!.prompt_tokens,
      completion_tokens: data.usage!.completion_tokens,
      finish_reason: 'stop',
      cost_micros: priceRequest({ promptTokens: data.usage!.prompt_tokens, completionTokens: data.usage!.completion_tokens, cachedTokens: 0, cacheWriteTokens: 0 }, PRICES),
    });
  });

  it('streams text: role first, then the words, the finish reason, the usage chunk and [DONE]', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'claude', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hi mock:words=7' }] })
      .withResponse();
    const chunks = await collect(stream);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(mockReplyWords(7).join(' '));
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    const usage = chunks.at(-1)!.usage!;
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ streamed: true, stream_end: 'done', usage_source: 'provider', prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens });
    expect(event.ttft_ms).not.toBeNull();
  });

  it('leaves the usage chunk out when the client did not ask, yet meters the provider count', async () => {
    const response = await post({ stream: true, messages: [{ role: 'user', content: 'Hi mock:words=3' }] });
    const text = await response.text();
    expect(text).not.toContain('"usage"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await h.eventFor(response.headers.get('x-request-id')!)).toMatchObject({ usage_source: 'provider', stream_end: 'done' });
  });

  it('sends system prompts and multi-turn conversations with merged same-role turns (the mock refuses non-alternating roles)', async () => {
    const conversation = (directive: string): OpenAI.Chat.ChatCompletionMessageParam[] => [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: 'First answer' },
      { role: 'developer', content: 'Answer in English.' },
      { role: 'user', content: 'Second question' },
      { role: 'user', content: [{ type: 'text', text: `and a follow-up ${directive}` }] },
    ];
    const echoed = await client.chat.completions.create({ model: 'claude', messages: conversation('mock:echo'), max_tokens: 50, stop: 'END' });
    expect(JSON.parse(echoed.choices[0]!.message.content!)).toEqual({
      model: 'claude-mock-1',
      max_tokens: 50,
      stop_sequences: ['END'],
      system: [{ type: 'text', text: 'You are terse.' }, { type: 'text', text: 'Answer in English.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'First question' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'First answer' }] },
        { role: 'user', content: [{ type: 'text', text: 'Second question' }, { type: 'text', text: 'and a follow-up mock:echo' }] },
      ],
    });
    const data = await client.chat.completions.create({ model: 'claude', messages: conversation('mock:words=4'), max_tokens: 50, temperature: 0.2, top_p: 0.9 });
    expect(data.choices[0]!.message.content).toBe(mockReplyWords(4).join(' '));
  });

  it('sends images from data: URLs (base64) and http URLs, and refuses an image type Anthropic does not take', async () => {
    const data = await client.chat.completions.create({
      model: 'claude',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these? mock:words=3' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1PX}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect(data.choices[0]!.finish_reason).toBe('stop');
    const echoed = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'mock:echo' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1PX}` } }, { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } }] }],
    });
    expect(JSON.parse(echoed.choices[0]!.message.content!).messages[0].content.slice(1)).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1PX } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
    const refused = await post({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] }] });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: unknown }).error).toMatchObject({ code: 'invalid_value', param: 'messages[0].content[1].image_url.url' });
  });

  it('maps finish reasons: max_tokens → length, stop sequence → stop', async () => {
    const long = await client.chat.completions.create({ model: 'claude', max_completion_tokens: 3, messages: [{ role: 'user', content: 'mock:words=10' }] });
    expect(long.choices[0]!.finish_reason).toBe('length');
    expect(long.choices[0]!.message.content).toBe(mockReplyWords(3).join(' '));
    const stopped = await client.chat.completions.create({ model: 'claude', stop: [mockReplyWords(3)[2]!], messages: [{ role: 'user', content: 'mock:words=10' }] });
    expect(stopped.choices[0]!.finish_reason).toBe('stop');
    expect(stopped.choices[0]!.message.content).toBe(mockReplyWords(2).join(' '));
  });
});

describe('tools', () => {
  it('returns parallel tool calls, and takes their results back as one user turn', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time? mock:tool-call=2' }];
    const data = await client.chat.completions.create({ model: 'claude', messages, tools: TOOLS, tool_choice: 'required' });
    const choice = data.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls!.map((call) => (call.type === 'function' ? call : null)!);
    expect(calls.map((call) => call.function.name)).toEqual(['get_weather', 'get_time']);
    expect(JSON.parse(calls[0]!.function.arguments)).toEqual({ query: expect.any(String) });
    messages.push(choice.message, ...calls.map((call) => ({ role: 'tool' as const, tool_call_id: call.id, content: `result of ${call.function.name}` })));
    messages.push({ role: 'user', content: 'Thanks. mock:words=2' });
    const followUp = await client.chat.completions.create({ model: 'claude', messages, tools: TOOLS });
    expect(followUp.choices[0]!.message.content).toBe(mockReplyWords(2).join(' '));
  });

  it('honours a named tool_choice and parallel_tool_calls: false', async () => {
    const data = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'mock:tool-call=2' }],
      tools: TOOLS,
      tool_choice: { type: 'function', function: { name: 'get_time' } },
      parallel_tool_calls: false,
    });
    expect(data.choices[0]!.message.tool_calls!.map((call) => (call.type === 'function' ? call.function.name : ''))).toEqual(['get_time']);
  });

  it('streams tool calls in OpenAI shape: index, id and name first, then argument fragments', async () => {
    const stream = await client.chat.completions.create({ model: 'claude', stream: true, messages: [{ role: 'user', content: 'mock:tool-call=2' }], tools: TOOLS });
    const chunks = await collect(stream);
    const calls = assembleToolCalls(chunks);
    expect(calls.map((call) => call.name)).toEqual(['get_weather', 'get_time']);
    for (const call of calls) expect(JSON.parse(call.arguments)).toEqual({ query: expect.any(String) });
    expect(chunks.filter((c) => (c.choices[0]?.delta.tool_calls?.length ?? 0) > 0).length).toBeGreaterThan(4);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });
});

describe('JSON mode', () => {
  it('answers json_schema with content that parses (a forced tool, translated back)', async () => {
    const data = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'Give JSON' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } },
    });
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.choices[0]!.message.tool_calls).toBeUndefined();
    expect(JSON.parse(data.choices[0]!.message.content!)).toEqual({ query: expect.any(String) });
  });

  it('streams json_object as content fragments that parse once joined', async () => {
    const stream = await client.chat.completions.create({ model: 'claude', stream: true, messages: [{ role: 'user', content: 'Give JSON' }], response_format: { type: 'json_object' } });
    const chunks = await collect(stream);
    expect(JSON.parse(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''))).toEqual({ query: expect.any(String) });
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });
});

describe('errors', () => {
  it.each([
    { directive: 'mock:fail=400', status: 400, code: 'upstream_invalid_request', upstream: 'invalid_request_error' },
    { directive: 'mock:fail=429', status: 429, code: 'upstream_rate_limited', upstream: 'rate_limit_error' },
    { directive: 'mock:fail=529', status: 503, code: 'upstream_overloaded', upstream: 'overloaded_error' },
    { directive: 'mock:fail=500', status: 502, code: 'upstream_error', upstream: 'api_error' },
  ])('maps Anthropic $upstream to $code ($status)', async ({ directive, status, code, upstream }) => {
    const response = await post({ messages: [{ role: 'user', content: directive }] });
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { code: string; type: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).not.toContain('mock provider');
    if (status === 429) expect(response.headers.get('retry-after')).toBe(String(MOCK_ANTHROPIC_RETRY_AFTER_SECONDS));
    expect(await h.eventFor(response.headers.get('x-request-id')!)).toMatchObject({ status_code: status, error_code: code, upstream_error_code: upstream });
  });

  it('maps a refused key (401) to upstream_auth_failed, and the SDK sees an OpenAI error', async () => {
    const error = await client.chat.completions.create({ model: 'claude-nokey', messages: [{ role: 'user', content: 'Hi' }] }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 502, code: 'upstream_auth_failed' });
  });

  it('refuses what Anthropic cannot do, naming the parameter', async () => {
    for (const [extra, param] of [
      [{ n: 2 }, 'n'],
      [{ temperature: 1.5 }, 'temperature'],
      [{ logprobs: true }, 'logprobs'],
    ] as const) {
      const response = await post({ messages: [{ role: 'user', content: 'Hi' }], ...extra });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
    }
  });

  it('ends a stream hit by a mid-stream error event with the terminal error event, never a clean close', async () => {
    const response = await post({ stream: true, messages: [{ role: 'user', content: 'mock:words=10 mock:error-after=3' }] });
    const events = (await response.text()).split('\n\n').filter((e) => e.startsWith('data: '));
    expect(events.filter((e) => e.includes('"content":"') && !e.includes('"content":""'))).toHaveLength(3);
    expect(JSON.parse(events.at(-1)!.slice(6))).toMatchObject({ error: { code: 'upstream_stream_interrupted' } });
    expect(events.some((e) => e.includes('[DONE]'))).toBe(false);
    expect(await h.eventFor(response.headers.get('x-request-id')!)).toMatchObject({ stream_end: 'error', upstream_error_code: 'overloaded_error', error_code: 'upstream_stream_interrupted' });
  });

  it('hangs up on the upstream when the client goes away mid-stream, and records the abort', async () => {
    const before = h.upstream.stats();
    const requestId = await postAndHangUpAfterFirstChunk(h.url, h.activeKey, { model: 'claude', stream: true, messages: [{ role: 'user', content: 'mock:words=400 mock:delay=10' }] });
    const deadline = Date.now() + 10_000;
    while (h.upstream.stats().streamsAbandoned === before.streamsAbandoned) {
      if (Date.now() > deadline) throw new Error('the upstream never saw the hang-up');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(h.upstream.stats().streamsCompleted).toBe(before.streamsCompleted);
    expect(await h.eventFor(requestId)).toMatchObject({ stream_end: 'client_abort', status_code: 499, provider_type: 'anthropic' });
  });
});

describe('usage with the prompt cache', () => {
  it('counts cache reads and writes in the prompt, prices reads at the cached rate and writes as input (the rule has no cache-write price), and shows writes to the client', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'A long shared prefix mock:cached=9 mock:cache-write=4 mock:reasoning=5' }] }).withResponse();
    const usage = data.usage! as OpenAI.CompletionUsage & { prompt_tokens_details: { cached_tokens: number; cache_write_tokens: number } };
    expect(usage.prompt_tokens_details).toEqual({ cached_tokens: 9, cache_write_tokens: 4 });
    expect(usage.prompt_tokens).toBeGreaterThan(13);
    expect(usage.completion_tokens_details).toEqual({ reasoning_tokens: 5 });
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ prompt_tokens: usage.prompt_tokens, cached_tokens: 9, cache_write_tokens: 4, completion_tokens: usage.completion_tokens });
    expect(event.cost_micros).toBe(priceRequest({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: 9, cacheWriteTokens: 4 }, PRICES));
  });

  it('does the same for a stream, from message_start and message_delta', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'claude', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'prefix mock:cached=6 mock:cache-write=2 mock:words=4' }] })
      .withResponse();
    const usage = (await collect(stream)).at(-1)!.usage!;
    expect(usage.prompt_tokens_details).toEqual({ cached_tokens: 6, cache_write_tokens: 2 });
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ prompt_tokens: usage.prompt_tokens, cached_tokens: 6, cache_write_tokens: 2, completion_tokens: usage.completion_tokens });
    expect(event.cost_micros).toBe(priceRequest({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: 6, cacheWriteTokens: 2 }, PRICES));
  });
});
