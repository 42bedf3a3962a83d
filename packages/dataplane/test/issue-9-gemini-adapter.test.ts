import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import { sealSnapshotCredential, snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { INTERNAL_TOKEN, PRICES, postAndHangUpAfterFirstChunk, startHarness, type Harness } from './dataplane-harness.ts';
import { mockReplyWords } from '../src/mock/mock-directives.ts';
import { MOCK_BAD_GEMINI_KEY } from '../src/mock/gemini-wire.ts';

/**
 * Issue 9: a `gemini` provider goes through Gemini's native API (generateContent,
 * streamGenerateContent?alt=sse, key in x-goog-api-key), here the mock's Gemini wire over real
 * HTTP, and the client, the official OpenAI SDK, gets what OpenAI would have answered.
 */
let h: Harness;
let client: OpenAI;
const GEMINI_KEY = 'test-gemini-key-0123456789';

beforeAll(async () => {
  h = await startHarness();
  const seal = (providerId: string, secret: string) => sealSnapshotCredential(secret, snapshotCredentialKey(INTERNAL_TOKEN), providerId);
  h.applySnapshot((c) => {
    const base = h.upstream.baseUrl.replace(/\/v1$/, '/v1beta');
    c.providers.push(
      { id: 'prov-gemini', orgId: 'org-1', name: 'Gemini (mock wire)', type: 'gemini', baseUrl: base, credential: seal('prov-gemini', GEMINI_KEY), environments: [] },
      { id: 'prov-gemini-badkey', orgId: 'org-1', name: 'Gemini, wrong key', type: 'gemini', baseUrl: base, credential: seal('prov-gemini-badkey', MOCK_BAD_GEMINI_KEY), environments: [] },
      { id: 'prov-gemini-nokey', orgId: 'org-1', name: 'Gemini, no key', type: 'gemini', baseUrl: base, credential: null, environments: [] },
    );
    const route = (alias: string, providerId: string) => ({ orgId: 'org-1', alias, deployments: [{ id: `dep-${alias}`, providerId, upstreamModel: 'gemini-2.5-flash', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] });
    c.routes.push(route('gem', 'prov-gemini'), route('gem-badkey', 'prov-gemini-badkey'), route('gem-nokey', 'prov-gemini-nokey'));
  });
  client = new OpenAI({ apiKey: h.activeKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await h?.close();
});

const user = (text: string) => [{ role: 'user' as const, content: text }];
const lookupTool = { type: 'function' as const, function: { name: 'lookup', description: 'Looks a thing up', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } };
const clockTool = { type: 'function' as const, function: { name: 'clock', parameters: { type: 'object', properties: {} } } };

/** `mock:echo` answers with what the mock's Gemini wire received. */
interface Echo {
  system: string | null;
  turns: string[];
  generationConfig: Record<string, unknown> | null;
  toolConfig: unknown;
  tools: string[];
}
async function echo(params: Omit<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming, 'model'>): Promise<Echo> {
  const completion = await client.chat.completions.create({ model: 'gem', ...params });
  return JSON.parse(completion.choices[0]!.message.content!) as Echo;
}

async function rawStream(body: Record<string, unknown>): Promise<{ requestId: string; events: string[] }> {
  const response = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gem', stream: true, ...body }) });
  expect(response.status).toBe(200);
  const text = await response.text();
  return { requestId: response.headers.get('x-request-id')!, events: text.split('\n\n').filter((block) => block.startsWith('data: ')).map((block) => block.slice(6)) };
}

describe('Gemini adapter, plain and streamed', () => {
  it('answers a plain request in the OpenAI shape and prices the Gemini usage', async () => {
    const { data: completion, response } = await client.chat.completions.create({ model: 'gem', messages: user('Hello mock:words=5') }).withResponse();
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gemini-2.5-flash');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: mockReplyWords(5).join(' ') });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    const usage = completion.usage!;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ provider_id: 'prov-gemini', provider_type: 'gemini', upstream_model: 'gemini-2.5-flash', status_code: 200, usage_source: 'provider', finish_reason: 'stop', prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens });
    expect(event.cost_micros).toBe(priceRequest({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: 0, cacheWriteTokens: 0 }, PRICES));
  });

  it('streams word by word with a role chunk first, the usage chunk when asked for, then [DONE]', async () => {
    const { events } = await rawStream({ messages: user('Stream mock:words=4'), stream_options: { include_usage: true } });
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as ChatCompletionChunk);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(mockReplyWords(4).join(' '));
    const finishes = chunks.flatMap((c) => c.choices.map((choice) => choice.finish_reason)).filter((f) => f !== null);
    expect(finishes).toEqual(['stop']);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.completion_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('leaves the usage chunk out when the client did not ask for it, and the SDK reads the stream', async () => {
    const { events } = await rawStream({ messages: user('No usage chunk mock:words=3') });
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.slice(0, -1).every((data) => !('usage' in (JSON.parse(data) as object)) || (JSON.parse(data) as { usage: unknown }).usage == null)).toBe(true);
    const stream = await client.chat.completions.create({ model: 'gem', messages: user('SDK mock:words=6'), stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(mockReplyWords(6).join(' '));
  });
});

describe('Gemini adapter, translation both ways', () => {
  it('sends the system prompt as systemInstruction and a multi-turn conversation as user/model turns', async () => {
    const seen = await echo({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: [{ type: 'text', text: 'Again mock:echo' }] },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
      stop: ['END'],
      seed: 7,
    });
    expect(seen.system).toBe('Be brief.');
    expect(seen.turns).toEqual(['user:text:Hi', 'model:text:Hello!', 'user:text:Again mock:echo']);
    expect(seen.generationConfig).toEqual({ temperature: 0.2, topP: 0.9, maxOutputTokens: 64, stopSequences: ['END'], seed: 7 });
  });

  it('sends a data: image inline and an https image as fileData with its type', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const seen = await echo({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What are these? mock:echo' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
            { type: 'image_url', image_url: { url: 'https://images.example/cat.JPG?size=large' } },
          ],
        },
      ],
    });
    expect(seen.turns).toEqual(['user:text:What are these? mock:echo|inlineData:image/png|fileData:image/jpeg:https://images.example/cat.JPG?size=large']);
    // Gemini counts 258 tokens per image: the prompt grew by two images.
    const plain = await client.chat.completions.create({ model: 'gem', messages: user('What are these?') });
    const withImages = await client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: [{ type: 'text', text: 'What are these?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }, { type: 'image_url', image_url: { url: 'https://images.example/cat.jpg' } }] }] });
    expect(withImages.usage!.prompt_tokens - plain.usage!.prompt_tokens).toBe(2 * 258);
  });

  it('refuses an image URL whose type cannot be known, with a 400 naming the parameter', async () => {
    const err = await client.chat.completions
      .create({ model: 'gem', messages: [{ role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'https://images.example/picture' } }] }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ code: 'invalid_value', param: 'messages[0].content[1].image_url.url', type: 'invalid_request_error' });
  });

  it('JSON mode: json_object asks for application/json, json_schema passes the schema, and the answer parses', async () => {
    const schema = { type: 'object', properties: { title: { type: 'string' }, count: { type: 'integer' } }, required: ['title', 'count'], additionalProperties: false };
    const seenObject = await echo({ messages: user('JSON please mock:echo'), response_format: { type: 'json_object' } });
    expect(seenObject.generationConfig).toEqual({ responseMimeType: 'application/json' });
    const seenSchema = await echo({ messages: user('JSON please mock:echo'), response_format: { type: 'json_schema', json_schema: { name: 'thing', schema, strict: true } } });
    expect(seenSchema.generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema });

    const object = await client.chat.completions.create({ model: 'gem', messages: user('JSON mock:words=3'), response_format: { type: 'json_object' } });
    expect(JSON.parse(object.choices[0]!.message.content!)).toEqual({ reply: mockReplyWords(3).join(' ') });
    const typed = await client.chat.completions.create({ model: 'gem', messages: user('JSON mock:words=3'), response_format: { type: 'json_schema', json_schema: { name: 'thing', schema } }, stream: true });
    let text = '';
    for await (const chunk of typed) text += chunk.choices[0]?.delta.content ?? '';
    expect(JSON.parse(text)).toEqual({ title: mockReplyWords(3).join(' '), count: 3 });
  });
});

describe('Gemini adapter, tools', () => {
  it('maps tools and every tool_choice to functionDeclarations and functionCallingConfig', async () => {
    const configOf = async (tool_choice: OpenAI.Chat.ChatCompletionToolChoiceOption) =>
      (await echo({ messages: user('Tools mock:echo'), tools: [lookupTool, clockTool], tool_choice })).toolConfig;
    expect(await configOf('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(await configOf('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(await configOf('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(await configOf({ type: 'function', function: { name: 'clock' } })).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['clock'] } });
    expect((await echo({ messages: user('Tools mock:echo'), tools: [lookupTool, clockTool] })).tools).toEqual(['lookup', 'clock']);
  });

  it('answers a function call as OpenAI tool_calls, parallel calls with distinct ids, finish_reason tool_calls', async () => {
    const completion = await client.chat.completions.create({ model: 'gem', messages: user('Use both mock:tool-call=2 mock:words=2'), tools: [lookupTool, clockTool] });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((call) => call.function.name)).toEqual(['lookup', 'clock']);
    expect(JSON.parse(calls[0]!.function.arguments)).toEqual({ query: mockReplyWords(2).join(' '), call: 0 });
    expect(calls[0]!.id).toMatch(/^call_/);
    expect(new Set(calls.map((call) => call.id)).size).toBe(2);
  });

  it('streams tool calls as OpenAI deltas: index, id and name first, then the arguments', async () => {
    const { events, requestId } = await rawStream({ messages: user('Stream calls mock:tool-call=2'), tools: [lookupTool, clockTool] });
    expect(events.at(-1)).toBe('[DONE]');
    const deltas = events
      .slice(0, -1)
      .map((data) => JSON.parse(data) as ChatCompletionChunk)
      .flatMap((c) => c.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(deltas).toHaveLength(4);
    for (const index of [0, 1]) {
      const [head, args] = deltas.filter((d) => d.index === index);
      expect(head).toMatchObject({ index, type: 'function', function: { name: index === 0 ? 'lookup' : 'clock', arguments: '' } });
      expect(head!.id).toMatch(/^call_/);
      expect(args!.id).toBeUndefined();
      expect(JSON.parse(args!.function!.arguments!)).toMatchObject({ call: index });
    }
    expect((await h.eventFor(requestId)).finish_reason).toBe('tool_calls');

    // The SDK's stream helper puts the deltas back together.
    const runner = client.chat.completions.stream({ model: 'gem', messages: user('Stream one mock:tool-call'), tools: [lookupTool] });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect((final.choices[0]!.message.tool_calls![0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall).function.name).toBe('lookup');
  });

  it('sends tool results back as functionResponse parts named by tool_call_id, with the thought signature Gemini needs', async () => {
    const first = await client.chat.completions.create({ model: 'gem', messages: user('Call twice mock:tool-call=2'), tools: [lookupTool, clockTool] });
    const assistant = first.choices[0]!.message;
    const calls = assistant.tool_calls! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[];
    const history: OpenAI.Chat.ChatCompletionMessageParam[] = [
      ...user('Call twice'),
      { role: 'assistant', content: null, tool_calls: calls },
      { role: 'tool', tool_call_id: calls[1]!.id, content: '12:00' },
      { role: 'tool', tool_call_id: calls[0]!.id, content: 'found it' },
    ];
    // The mock's Gemini wire, like Gemini 3, refuses function calls sent back without their signature.
    const seen = await echo({ messages: [...history, ...user('And now? mock:echo')], tools: [lookupTool, clockTool] });
    expect(seen.turns).toEqual([
      'user:text:Call twice',
      `model:functionCall:lookup:${calls[0]!.function.arguments}|functionCall:clock:${calls[1]!.function.arguments}`,
      'user:functionResponse:clock:{"output":"12:00"}|functionResponse:lookup:{"output":"found it"}|text:And now? mock:echo',
    ]);
    const stripped = history.map((m) => (m.role === 'assistant' ? { ...m, tool_calls: calls.map((c) => ({ ...c, id: c.id.split('__')[0]! })) } : m.role === 'tool' ? { ...m, tool_call_id: m.tool_call_id.split('__')[0]! } : m));
    const refused = await client.chat.completions.create({ model: 'gem', messages: [...stripped, ...user('And now?')] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('upstream_invalid_request');

    const unknownCall = await client.chat.completions.create({ model: 'gem', messages: [...user('Hi'), { role: 'tool', tool_call_id: 'call_nope', content: 'x' }] }).catch((e: unknown) => e);
    expect((unknownCall as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ code: 'invalid_value', param: 'messages[1].tool_call_id' });
  });
});

describe('Gemini adapter, usage with cached and reasoning tokens', () => {
  it('reports cached tokens in prompt_tokens_details and thoughts inside completion_tokens, and prices them', async () => {
    const { data: completion, response } = await client.chat.completions.create({ model: 'gem', messages: user('Think mock:words=4 mock:cached=1000 mock:reasoning=50') }).withResponse();
    const usage = completion.usage!;
    expect(usage.prompt_tokens_details?.cached_tokens).toBe(1000);
    expect(usage.prompt_tokens).toBeGreaterThan(1000);
    expect(usage.completion_tokens_details?.reasoning_tokens).toBe(50);
    expect(usage.completion_tokens).toBeGreaterThan(50);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, cached_tokens: 1000, usage_source: 'provider' });
    expect(event.cost_micros).toBe(priceRequest({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: 1000, cacheWriteTokens: 0 }, PRICES));
  });

  it('takes the last event’s usage of a stream', async () => {
    const { events, requestId } = await rawStream({ messages: user('Think mock:words=8 mock:cached=300 mock:reasoning=20'), stream_options: { include_usage: true } });
    const usage = (JSON.parse(events.at(-2)!) as ChatCompletionChunk).usage!;
    expect(usage.prompt_tokens_details?.cached_tokens).toBe(300);
    expect(usage.completion_tokens_details?.reasoning_tokens).toBe(20);
    const event = await h.eventFor(requestId);
    expect(event).toMatchObject({ prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, cached_tokens: 300, stream_end: 'done' });
    expect(event.cost_micros).toBe(priceRequest({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: 300, cacheWriteTokens: 0 }, PRICES));
  });
});

describe('Gemini adapter, errors', () => {
  const failWith = async (model: string, text: string) => {
    const err = await client.chat.completions.create({ model, messages: user(text) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    return err as InstanceType<typeof OpenAI.APIError>;
  };

  it.each([
    [400, 400, 'upstream_invalid_request', 'INVALID_ARGUMENT'],
    [401, 502, 'upstream_auth_failed', 'UNAUTHENTICATED'],
    [500, 502, 'upstream_error', 'INTERNAL'],
    [503, 502, 'upstream_error', 'UNAVAILABLE'],
  ])('maps Gemini %i to %i %s, without Gemini’s words', async (upstream, status, code, geminiStatus) => {
    const err = await failWith('gem', `Fail mock:fail=${upstream}`);
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.message).not.toMatch(/mock provider/);
    const event = await h.eventFor(err.headers!.get('x-request-id')!);
    expect(event).toMatchObject({ status_code: status, error_code: code, upstream_error_code: geminiStatus });
  });

  it('keeps a 429 a 429 and turns Gemini’s RetryInfo retryDelay into retry-after', async () => {
    const err = await failWith('gem', 'Slow down mock:fail=429');
    expect(err.status).toBe(429);
    expect(err.code).toBe('upstream_rate_limited');
    expect(err.headers!.get('retry-after')).toBe('17');
    expect((await h.eventFor(err.headers!.get('x-request-id')!)).upstream_error_code).toBe('RESOURCE_EXHAUSTED');
  });

  it('treats Gemini’s 400 API_KEY_INVALID, and a provider without a key, as the gateway’s credential failing', async () => {
    expect((await failWith('gem-badkey', 'Hello')).code).toBe('upstream_auth_failed');
    expect((await failWith('gem-nokey', 'Hello')).code).toBe('upstream_auth_failed');
  });

  it('ends a stream that Gemini breaks off with an error event, or a dropped connection, with the terminal error event', async () => {
    for (const directive of ['mock:error-after=2', 'mock:cut-after=2']) {
      const { events, requestId } = await rawStream({ messages: user(`Break ${directive} mock:words=6`) });
      expect(events.at(-1)).not.toBe('[DONE]');
      expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { code: 'upstream_stream_interrupted', type: 'api_error' } });
      expect(events.slice(0, -1).map((data) => (JSON.parse(data) as ChatCompletionChunk).choices[0]?.delta.content ?? '').join('')).toBe(mockReplyWords(2).join(' '));
      const event = await h.eventFor(requestId);
      expect(event).toMatchObject({ stream_end: 'error', error_code: 'upstream_stream_interrupted' });
      if (directive.startsWith('mock:error-after')) expect(event.upstream_error_code).toBe('INTERNAL');
    }
  });

  it('stops the Gemini stream when the client goes away mid-stream, and still records what was used', async () => {
    const before = h.upstream.stats().streamsAbandoned;
    const requestId = await postAndHangUpAfterFirstChunk(h.url, h.activeKey, { model: 'gem', stream: true, messages: user('Long mock:words=2000 mock:delay=5') });
    const event = await h.eventFor(requestId);
    expect(event).toMatchObject({ status_code: 499, stream_end: 'client_abort', provider_type: 'gemini' });
    expect(event.prompt_tokens).toBeGreaterThan(0);
    for (let i = 0; i < 500 && h.upstream.stats().streamsAbandoned === before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(h.upstream.stats().streamsAbandoned).toBe(before + 1);
  });
});
