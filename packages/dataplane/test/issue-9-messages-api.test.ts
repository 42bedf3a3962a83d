import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import { sealSnapshotCredential, snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import { mockReplyWords } from '../src/mock/mock-directives.ts';
import { MOCK_ANTHROPIC_RETRY_AFTER_SECONDS } from '../src/mock/anthropic-wire.ts';
import { INTERNAL_TOKEN, PRICES, startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 9: `POST /v1/messages` is Anthropic's Messages API onto any upstream. The official
 * `@anthropic-ai/sdk` talks to the data plane over real HTTP; upstreams are the mock provider
 * in its OpenAI wire (`relay-mini`), its Anthropic wire (`claude`: Anthropic in, OpenAI in the
 * middle, Anthropic out) and its Gemini wire (`gemini`).
 */
let h: Harness;
let client: Anthropic;
const seal = (providerId: string, secret: string) => sealSnapshotCredential(secret, snapshotCredentialKey(INTERNAL_TOKEN), providerId);

beforeAll(async () => {
  h = await startHarness();
  h.applySnapshot((c) => {
    const deployment = (alias: string, providerId: string, upstreamModel: string) => ({ orgId: 'org-1', alias, deployments: [{ id: `dep-${alias}`, providerId, upstreamModel, priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] });
    c.providers.push(
      { id: 'prov-anthropic', orgId: 'org-1', name: 'Anthropic (mock wire)', type: 'anthropic', baseUrl: h.upstream.baseUrl, credential: seal('prov-anthropic', 'sk-ant-mock'), environments: [] },
      { id: 'prov-gemini', orgId: 'org-1', name: 'Gemini (mock wire)', type: 'gemini', baseUrl: h.upstream.baseUrl.replace(/\/v1$/, '/v1beta'), credential: seal('prov-gemini', 'gemini-mock-key'), environments: [] },
    );
    c.routes.push(deployment('claude', 'prov-anthropic', 'claude-mock-1'), deployment('gemini', 'prov-gemini', 'gemini-2.5-flash'));
  });
  client = new Anthropic({ apiKey: h.activeKey, baseURL: h.url, maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const WIRES = [
  { wire: 'OpenAI', model: 'relay-mini', provider: 'mock' },
  { wire: 'Anthropic', model: 'claude', provider: 'anthropic' },
  { wire: 'Gemini', model: 'gemini', provider: 'gemini' },
] as const;
const TOOLS: Anthropic.Tool[] = [
  { name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { query: { type: 'string' } } } },
  { name: 'get_time', input_schema: { type: 'object', properties: { query: { type: 'string' } } } },
];
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** The request's event, checked to be metered from the provider's count and priced. */
async function meteredEvent(requestId: string | null | undefined, usage: Anthropic.Usage) {
  const event = await h.eventFor(requestId!);
  const prompt = usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
  expect(event).toMatchObject({ usage_source: 'provider', prompt_tokens: prompt, completion_tokens: usage.output_tokens, cached_tokens: usage.cache_read_input_tokens ?? 0, cache_write_tokens: usage.cache_creation_input_tokens ?? 0 });
  expect(event.cost_micros).toBe(priceRequest({ promptTokens: prompt, completionTokens: usage.output_tokens, cachedTokens: usage.cache_read_input_tokens ?? 0, cacheWriteTokens: usage.cache_creation_input_tokens ?? 0 }, PRICES));
  expect(event.cost_micros).toBeGreaterThan(0);
  return event;
}

/** Posts to /v1/messages without the SDK (bodies the SDK's types would not let through). */
function post(body: unknown, headers: Record<string, string> = { 'x-api-key': h.activeKey }): Promise<Response> {
  return fetch(`${h.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers }, body: JSON.stringify(body) });
}

describe.each(WIRES)('through the $wire wire', ({ model, provider }) => {
  it('answers a plain message with an Anthropic Message, metered and priced', async () => {
    const { data, response } = await client.messages.create({ model, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello mock:words=5' }] }).withResponse();
    expect(data).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', stop_sequence: null, content: [{ type: 'text', text: mockReplyWords(5).join(' ') }] });
    expect(data.id).toBe(`msg_${response.headers.get('x-request-id')!.slice(4)}`);
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    const event = await meteredEvent(response.headers.get('x-request-id'), data.usage);
    expect(event).toMatchObject({ provider_type: provider, alias: model, status_code: 200, streamed: false, finish_reason: 'stop' });
  });

  it('streams: messages.stream() folds the events into the same message, usage in message_delta', async () => {
    const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'Hi mock:words=7' }] });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const message = await stream.finalMessage();
    expect(await stream.finalText()).toBe(mockReplyWords(7).join(' '));
    expect(message.stop_reason).toBe('end_turn');
    expect(types[0]).toBe('message_start');
    expect(types.slice(1, 2)).toEqual(['content_block_start']);
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(new Set(types.slice(2, -3))).toEqual(new Set(['content_block_delta']));
    const { response } = await stream.withResponse();
    const event = await meteredEvent(response.headers.get('x-request-id'), message.usage);
    expect(event).toMatchObject({ streamed: true, stream_end: 'done', provider_type: provider });
    expect(event.ttft_ms).not.toBeNull();
  });

  it('returns tool calls as tool_use blocks and takes tool_result back', async () => {
    const question: Anthropic.MessageParam = { role: 'user', content: 'Weather? mock:tool-call' };
    const first = await client.messages.create({ model, max_tokens: 100, tools: TOOLS, tool_choice: { type: 'any' }, messages: [question] });
    expect(first.stop_reason).toBe('tool_use');
    const calls = first.content.filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toMatchObject({ name: 'get_weather', input: { query: expect.any(String) } });
    const followUp = await client.messages.create({
      model,
      max_tokens: 100,
      tools: TOOLS,
      messages: [
        question,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [...calls.map((call) => ({ type: 'tool_result' as const, tool_use_id: call.id, content: 'Sunny' })), { type: 'text', text: 'Thanks mock:words=2' }] },
      ],
    });
    expect(followUp).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: mockReplyWords(2).join(' ') }] });
  });

  it('streams tool calls as tool_use blocks with input_json_delta fragments', async () => {
    const stream = client.messages.stream({ model, max_tokens: 100, tools: TOOLS, tool_choice: { type: 'tool', name: 'get_time' }, messages: [{ role: 'user', content: 'Time?' }] });
    const fragments: string[] = [];
    stream.on('inputJson', (fragment) => fragments.push(fragment));
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    const call = message.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use')!;
    expect(call).toMatchObject({ name: 'get_time', input: { query: expect.any(String) } });
    expect(call.id).not.toBe('');
    // Gemini sends a call's arguments whole: one fragment there, several on the other wires.
    expect(fragments.length).toBeGreaterThan(provider === 'gemini' ? 0 : 1);
    expect(JSON.parse(fragments.join(''))).toEqual(call.input);
  });

  it('takes images as base64 data and URLs', async () => {
    const data = await client.messages.create({
      model,
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1PX } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'text', text: 'What is this? mock:words=3' },
          ],
        },
      ],
    });
    expect(data.content).toEqual([{ type: 'text', text: mockReplyWords(3).join(' ') }]);
  });
});

/** Sampling parameters: no longer in the SDK's types (newer models refuse them), still sent by older clients and tools. */
const LEGACY_SAMPLING: object = { temperature: 0.3, top_p: 0.9, top_k: 5 };

describe('translation (Anthropic upstream, which echoes what it received)', () => {
  it('carries system blocks, tool results, images, stop sequences, sampling and the user id through both translations', async () => {
    const data = await client.messages.create({
      model: 'claude',
      max_tokens: 50,
      system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'English only.' }],
      stop_sequences: ['END'],
      ...LEGACY_SAMPLING,
      metadata: { user_id: 'user-7' },
      tools: [TOOLS[0]!],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { query: 'Paris' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'Sunny' }] },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1PX } },
            { type: 'text', text: 'mock:echo' },
          ],
        },
      ],
    });
    const received = JSON.parse((data.content[0] as Anthropic.TextBlock).text);
    expect(received).toEqual({
      model: 'claude-mock-1',
      max_tokens: 50,
      system: [{ type: 'text', text: 'Be brief.\nEnglish only.' }],
      stop_sequences: ['END'],
      temperature: 0.3,
      top_p: 0.9,
      metadata: { user_id: 'user-7' },
      tools: [{ name: 'get_weather', description: 'Weather in a city', input_schema: TOOLS[0]!.input_schema }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { query: 'Paris' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1PX } },
            { type: 'text', text: 'mock:echo' },
          ],
        },
      ],
    });
  });

  it('stops at max_tokens with stop_reason max_tokens, streamed or not', async () => {
    const params = { model: 'claude', max_tokens: 3, messages: [{ role: 'user' as const, content: 'mock:words=10' }] };
    const whole = await client.messages.create(params);
    expect(whole).toMatchObject({ stop_reason: 'max_tokens', content: [{ type: 'text', text: mockReplyWords(3).join(' ') }] });
    expect((await client.messages.stream(params).finalMessage()).stop_reason).toBe('max_tokens');
  });

  it('reports the upstream cache reads and writes in Anthropic usage, and meters them', async () => {
    const { data, response } = await client.messages.create({ model: 'claude', max_tokens: 50, messages: [{ role: 'user', content: 'A long prompt to cache mock:cached=4 mock:cache-write=3 mock:words=2' }] }).withResponse();
    expect(data.usage).toMatchObject({ cache_read_input_tokens: 4, cache_creation_input_tokens: 3 });
    await meteredEvent(response.headers.get('x-request-id'), data.usage);
    const streamed = await client.messages.stream({ model: 'claude', max_tokens: 50, messages: [{ role: 'user', content: 'A long prompt to cache mock:cached=4 mock:cache-write=3 mock:words=2' }] }).finalMessage();
    // The JSON usage also carries the cost (issue 9); the SDK's stream accumulator keeps token counts only.
    const { cost: _cost, cost_micros: _costMicros, ...tokenUsage } = data.usage as typeof data.usage & { cost?: number; cost_micros?: number };
    expect(streamed.usage).toEqual(tokenUsage);
  });
});

describe('authentication', () => {
  it('accepts the key as x-api-key (apiKey) and as Authorization: Bearer (authToken)', async () => {
    const bearer = new Anthropic({ apiKey: null, authToken: h.activeKey, baseURL: h.url, maxRetries: 0 });
    const data = await bearer.messages.create({ model: 'relay-mini', max_tokens: 10, messages: [{ role: 'user', content: 'mock:words=1' }] });
    expect(data.content).toEqual([{ type: 'text', text: mockReplyWords(1).join(' ') }]);
  });

  it('refuses a wrong key with 401 authentication_error', async () => {
    const wrong = new Anthropic({ apiKey: h.revokedKey, baseURL: h.url, maxRetries: 0 });
    const err = await wrong.messages.create({ model: 'relay-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as APIError).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });
});

describe('errors in Anthropic shape', () => {
  it('answers an unknown model with 404 not_found_error, and records it', async () => {
    const err = (await client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    const requestId = err.headers!.get('x-request-id')!;
    expect(err.error).toEqual({ type: 'error', error: { type: 'not_found_error', message: "model: The model 'no-such-model' does not exist or you do not have access to it." }, request_id: requestId });
    expect(await h.eventFor(requestId)).toMatchObject({ status_code: 404, error_code: 'model_not_found' });
  });

  it.each([
    [{ model: 'relay-mini', messages: [{ role: 'user', content: 'x' }] }, "Missing required parameter: 'max_tokens'."],
    [{ model: 'relay-mini', max_tokens: 10, messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role'],
    [{ model: 'relay-mini', max_tokens: 10, temperature: 1.5, messages: [{ role: 'user', content: 'x' }] }, 'temperature'],
    [{ model: 'relay-mini', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] }, 'messages[0].content[0].type'],
    [{ model: 'relay-mini', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'text/html', data: 'x' } }] }] }, 'messages[0].content[0].source'],
  ])('refuses bad input %j with 400 invalid_request_error', async (body, mentions) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(answer).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(answer.error.message).toContain(mentions);
  });

  it('passes an upstream rate limit on as 429 rate_limit_error with its retry-after', async () => {
    const err = (await client.messages.create({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'mock:fail=429' }] }).catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.headers!.get('retry-after')).toBe(String(MOCK_ANTHROPIC_RETRY_AFTER_SECONDS));
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    const openaiWire = (await client.messages.create({ model: 'relay-mini', max_tokens: 10, messages: [{ role: 'user', content: 'mock:fail=429' }] }).catch((e: unknown) => e)) as APIError;
    expect(openaiWire).toBeInstanceOf(Anthropic.RateLimitError);
  });

  it('passes an overloaded upstream on as 529 overloaded_error', async () => {
    const err = (await client.messages.create({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'mock:fail=529' }] }).catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(529);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });

  it('ends a stream that breaks midway with an error event the SDK raises, and records it', async () => {
    const stream = client.messages.stream({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'mock:words=20 mock:error-after=3' }] });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const err = (await stream.finalMessage().catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(APIError);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(texts.length).toBe(3);
    const { response } = await stream.withResponse();
    expect(await h.eventFor(response.headers.get('x-request-id')!)).toMatchObject({ stream_end: 'error', error_code: 'upstream_stream_interrupted' });
  });

  it('refuses other methods with 405 in Anthropic shape', async () => {
    const response = await fetch(`${h.url}/v1/messages`, { headers: { 'x-api-key': h.activeKey } });
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});

describe('client abort', () => {
  it('records a stream the client abandons as client_abort, with what it used', async () => {
    const stream = client.messages.stream({ model: 'relay-mini', max_tokens: 1000, messages: [{ role: 'user', content: 'mock:words=400 mock:delay=10' }] });
    const firstText = new Promise<void>((resolve) => stream.on('text', () => resolve()));
    const { response } = await stream.withResponse();
    await firstText;
    stream.abort();
    const requestId = response.headers.get('x-request-id')!;
    const event = await h.eventFor(requestId);
    expect(event).toMatchObject({ streamed: true, stream_end: 'client_abort', status_code: 499, usage_source: 'estimate' });
    expect(event.completion_tokens).toBeGreaterThan(0);
    expect(event.completion_tokens).toBeLessThan(400);
  });
});

describe('count_tokens', () => {
  it('estimates the prompt without calling the upstream, for an alias the key may use', async () => {
    const before = h.upstream.stats().requests;
    const counted = await client.messages.countTokens({ model: 'relay-mini', system: 'Be brief.', tools: TOOLS, messages: [{ role: 'user', content: 'How many tokens is this?' }] });
    expect(counted.input_tokens).toBeGreaterThan(10);
    expect(h.upstream.stats().requests).toBe(before);
    const err = await client.messages.countTokens({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });
});
