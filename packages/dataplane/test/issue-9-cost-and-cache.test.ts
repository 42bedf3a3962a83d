import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@proxystacks/shared/keys/key-format';
import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { PRICES, anthropicMockProvider, startHarness, testKey, type Harness } from './dataplane-harness.ts';

/** Issue 9: x-relay-* headers, usage.cost, and the exact-match response cache, over real HTTP. */
let h: Harness;
let client: OpenAI;
let now = 1_000_000;
const optOutKey = generateKey();
const ownCacheKey = generateKey();
const DEAR = { inputMicrosPerMTok: 3_000_000, outputMicrosPerMTok: 12_000_000, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
/** Anthropic's list prices for a Sonnet model: $3 / $15 per million, reads $0.30, 5-minute cache writes $3.75 (1.25 × input). */
const SONNET = { inputMicrosPerMTok: 3_000_000, outputMicrosPerMTok: 15_000_000, cachedInputMicrosPerMTok: 300_000, cacheWriteMicrosPerMTok: 3_750_000 };

beforeAll(async () => {
  h = await startHarness({}, { cacheClock: () => now });
  h.applySnapshot((s) => {
    s.keys.push(testKey('key-no-cache', optOutKey, { responseCacheTtlSeconds: 0 }), testKey('key-own-cache', ownCacheKey, { responseCacheTtlSeconds: 30 }));
    s.pricingRules.push({ id: 'rule-dear', version: 1, ...DEAR }, { id: 'rule-sonnet', version: 1, ...SONNET }, { id: 'rule-sonnet-no-write-price', version: 1, ...SONNET, cacheWriteMicrosPerMTok: null });
    s.providers.push(anthropicMockProvider(h, 'prov-anthropic'));
    s.routes.push(
      { orgId: 'org-1', alias: 'cached', responseCacheTtlSeconds: 60, deployments: [{ id: 'dep-cached', providerId: 'prov-ext', upstreamModel: 'mock-1', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] },
      {
        orgId: 'org-1',
        alias: 'cheaper-fallback',
        deployments: [
          { id: 'dep-dear-down', providerId: 'prov-down', upstreamModel: 'gpt-dear', priority: 0, weight: 1, pricingRuleId: 'rule-dear', environment: '' },
          { id: 'dep-cheap', providerId: 'prov-mock', upstreamModel: 'mock-1', priority: 1, weight: 1, pricingRuleId: 'rule-1', environment: '' },
        ],
      },
      {
        orgId: 'org-1',
        alias: 'cheapest-first',
        strategy: 'lowest_cost',
        deployments: [
          { id: 'dep-dear-up', providerId: 'prov-mock', upstreamModel: 'mock-1', priority: 0, weight: 1, pricingRuleId: 'rule-dear', environment: '' },
          { id: 'dep-cheap-planned', providerId: 'prov-mock', upstreamModel: 'mock-1', priority: 1, weight: 1, pricingRuleId: 'rule-1', environment: '' },
        ],
      },
      { orgId: 'org-1', alias: 'claude', deployments: [{ id: 'dep-claude', providerId: 'prov-anthropic', upstreamModel: 'claude-mock-1', priority: 0, weight: 1, pricingRuleId: 'rule-sonnet', environment: '' }] },
      { orgId: 'org-1', alias: 'claude-no-write-price', deployments: [{ id: 'dep-claude-nw', providerId: 'prov-anthropic', upstreamModel: 'claude-mock-1', priority: 0, weight: 1, pricingRuleId: 'rule-sonnet-no-write-price', environment: '' }] },
    );
  });
  client = new OpenAI({ apiKey: h.activeKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'cached', messages: [{ role: 'user' as const, content }], ...extra });
const upstreamCalls = () => h.upstream.stats().requests;
const costOf = (e: RequestEvent) => priceRequest({ promptTokens: e.prompt_tokens, completionTokens: e.completion_tokens, cachedTokens: e.cached_tokens, cacheWriteTokens: e.cache_write_tokens }, PRICES);
const TOOLS = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }];

describe('what happened, in headers and usage.cost', () => {
  it('a JSON answer names provider, model, attempts, overhead and cost; header, body and event agree', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'relay-mini', messages: [{ role: 'user', content: 'Hi mock:words=7' }] }).withResponse();
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event.cost_micros).toBe(costOf(event));
    expect(event.cost_micros).toBeGreaterThan(0);
    expect(response.headers.get('x-relay-provider')).toBe('Mock');
    expect(response.headers.get('x-relay-model')).toBe('mock-1');
    expect(response.headers.get('x-relay-attempts')).toBe('1');
    expect(Number(response.headers.get('x-relay-overhead-ms'))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get('x-relay-cost-micros')).toBe(String(event.cost_micros));
    expect(response.headers.get('x-relay-cache')).toBeNull(); // relay-mini has no cache
    const usage = data.usage as typeof data.usage & { cost: number; cost_micros: number };
    expect(usage.cost_micros).toBe(event.cost_micros);
    expect(usage.cost).toBe(event.cost_micros / 1e6);
    expect(event).toMatchObject({ cache_hit: false, cost_saved_micros: 0 });
  });

  it('a stream carries the headers (no cost yet) and the cost in its final usage chunk', async () => {
    const { data: stream, response } = await client.chat.completions.create({ model: 'relay-mini', messages: [{ role: 'user', content: 'Hi mock:words=5' }], stream: true, stream_options: { include_usage: true } }).withResponse();
    let usage: Record<string, unknown> | null = null;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage as unknown as Record<string, unknown>;
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(response.headers.get('x-relay-provider')).toBe('Mock');
    expect(response.headers.get('x-relay-cost-micros')).toBeNull();
    expect(usage).toMatchObject({ cost_micros: event.cost_micros, cost: event.cost_micros / 1e6 });
  });

  it('the Responses and Messages surfaces carry the headers and the cost in their usage', async () => {
    const responses = await fetch(`${h.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'relay-mini', input: 'Hi' }) });
    const rEvent = await h.eventFor(responses.headers.get('x-request-id')!);
    expect(responses.headers.get('x-relay-cost-micros')).toBe(String(rEvent.cost_micros));
    expect(((await responses.json()) as { usage: { cost_micros: number } }).usage.cost_micros).toBe(rEvent.cost_micros);
    const messages = await fetch(`${h.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': h.activeKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'relay-mini', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] }) });
    const mEvent = await h.eventFor(messages.headers.get('x-request-id')!);
    expect(messages.headers.get('x-relay-model')).toBe('mock-1');
    expect(((await messages.json()) as { usage: { cost_micros: number } }).usage.cost_micros).toBe(mEvent.cost_micros);
  });

  it('a fallback to a cheaper route records what it saved against the primary price', async () => {
    const { response } = await client.chat.completions.create({ model: 'cheaper-fallback', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(response.headers.get('x-relay-attempts')).toBe('2');
    const usage = { promptTokens: event.prompt_tokens, completionTokens: event.completion_tokens, cachedTokens: event.cached_tokens, cacheWriteTokens: event.cache_write_tokens };
    expect(event).toMatchObject({ attempts: 2, provider_id: 'prov-mock', cache_hit: false });
    expect(event.cost_saved_micros).toBe(priceRequest(usage, DEAR) - event.cost_micros);
    expect(event.cost_saved_micros).toBeGreaterThan(0);
  });

  it('the route a strategy picks first saves nothing, whatever its priority (lowest_cost plans the cheap route first)', async () => {
    const { response } = await client.chat.completions.create({ model: 'cheapest-first', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ attempts: 1, pricing_rule_id: 'rule-1', cost_saved_micros: 0 });
    expect(event.cost_micros).toBeGreaterThan(0);
  });
});

describe('prompt-cache writes, priced at their own price', () => {
  // Long enough that the mock's prompt has room for 10 cache reads and 20 cache writes.
  const PREFIX = 'Read the shared contract below and answer in one line. '.repeat(8);
  const messages = [{ role: 'user' as const, content: `${PREFIX} mock:cached=10 mock:cache-write=20 mock:words=5` }];
  const writingCache = (model: string) => client.chat.completions.create({ model, messages }).withResponse();
  const writingCacheStreamed = (model: string) => client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } }).withResponse();

  it('an Anthropic answer that wrote the prompt cache is billed at the rule’s cache-write price: header, usage and event agree', async () => {
    const { data, response } = await writingCache('claude');
    const usage = data.usage as OpenAI.CompletionUsage & { prompt_tokens_details: { cached_tokens: number; cache_write_tokens: number }; cost_micros: number };
    expect(usage.prompt_tokens_details).toEqual({ cached_tokens: 10, cache_write_tokens: 20 });
    const plain = usage.prompt_tokens - 10 - 20;
    expect(plain).toBeGreaterThan(0);
    // By hand, in micros: plain × $3 + 10 read × $0.30 + 20 written × $3.75 + output × $15 per million
    // = 3 × plain + 3 + 75 + 15 × output (every part a whole micro, so no rounding).
    const expected = 3 * plain + 3 + 75 + 15 * usage.completion_tokens;
    expect(response.headers.get('x-relay-cost-micros')).toBe(String(expected));
    expect(usage.cost_micros).toBe(expected);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ provider_type: 'anthropic', pricing_rule_id: 'rule-sonnet', prompt_tokens: usage.prompt_tokens, cached_tokens: 10, cache_write_tokens: 20, cost_micros: expected });
  });

  it('a stream carries the same figure in its final usage chunk, and the event the cache writes', async () => {
    const { data: stream, response } = await writingCacheStreamed('claude');
    let usage: (OpenAI.CompletionUsage & { cost_micros: number }) | null = null;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage as OpenAI.CompletionUsage & { cost_micros: number };
    const expected = 3 * (usage!.prompt_tokens - 30) + 3 + 75 + 15 * usage!.completion_tokens;
    expect(usage!.cost_micros).toBe(expected);
    expect(await h.eventFor(response.headers.get('x-request-id')!)).toMatchObject({ streamed: true, cached_tokens: 10, cache_write_tokens: 20, cost_micros: expected });
  });

  it('without a cache-write price on the rule, cache writes are billed as input, as before', async () => {
    const { data, response } = await writingCache('claude-no-write-price');
    const usage = data.usage as OpenAI.CompletionUsage & { cost_micros: number };
    // (prompt − 10 reads) × $3 + 10 read × $0.30 + output × $15 per million: the 20 writes at input.
    const expected = 3 * (usage.prompt_tokens - 10) + 3 + 15 * usage.completion_tokens;
    expect(response.headers.get('x-relay-cost-micros')).toBe(String(expected));
    expect(usage.cost_micros).toBe(expected);
    expect(await h.eventFor(response.headers.get('x-request-id')!)).toMatchObject({ pricing_rule_id: 'rule-sonnet-no-write-price', cache_write_tokens: 20, cost_micros: expected });
  });

  it('other providers report no cache writes: the event says 0', async () => {
    const { response } = await client.chat.completions.create({ model: 'relay-mini', messages: [{ role: 'user', content: 'Hi mock:cache-write=20' }] }).withResponse();
    expect(await h.eventFor(response.headers.get('x-request-id')!)).toMatchObject({ provider_type: 'mock', cache_write_tokens: 0 });
  });
});

describe('exact-match response cache', () => {
  it('misses, then answers the same request (keys reordered, another user) at once, recorded with cost 0 and the cost saved', async () => {
    const before = upstreamCalls();
    const first = await client.chat.completions.create(ask('Cache me mock:words=6', { temperature: 0 })).withResponse();
    expect(first.response.headers.get('x-relay-cache')).toBe('miss');
    const missEvent = await h.eventFor(first.response.headers.get('x-request-id')!);
    const second = await client.chat.completions.create({ temperature: 0, user: 'someone-else', messages: [{ content: 'Cache me mock:words=6', role: 'user' }], model: 'cached' }).withResponse();
    expect(upstreamCalls()).toBe(before + 1);
    expect(second.response.headers.get('x-relay-cache')).toBe('hit');
    expect(second.response.headers.get('x-relay-attempts')).toBe('0');
    expect(second.response.headers.get('x-relay-cost-micros')).toBe('0');
    expect(second.data.id).toBe(first.data.id);
    expect(second.data.choices[0]!.message.content).toBe(first.data.choices[0]!.message.content);
    expect((second.data.usage as unknown as { cost_micros: number }).cost_micros).toBe(0);
    const hitEvent = await h.eventFor(second.response.headers.get('x-request-id')!);
    expect(missEvent).toMatchObject({ cache_hit: false, cost_saved_micros: 0 });
    expect(missEvent.cost_micros).toBeGreaterThan(0);
    expect(hitEvent).toMatchObject({ cache_hit: true, cost_micros: 0, cost_saved_micros: missEvent.cost_micros, attempts: 0, provider_id: 'prov-ext', status_code: 200 });
  });

  it('replays a cached answer as a proper stream, and serves a streamed answer to a JSON request', async () => {
    await client.chat.completions.create(ask('Stream replay mock:words=4'));
    const before = upstreamCalls();
    const stream = await client.chat.completions.create({ ...ask('Stream replay mock:words=4'), stream: true, stream_options: { include_usage: true } }).withResponse();
    let text = '';
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.split(' ')).toHaveLength(4);
    expect(stream.response.headers.get('x-relay-cache')).toBe('hit');
    expect(await h.eventFor(stream.response.headers.get('x-request-id')!)).toMatchObject({ cache_hit: true, streamed: true, stream_end: 'done', finish_reason: 'stop' });

    const streamedFirst = await client.chat.completions.create({ ...ask('Streamed first mock:words=3'), stream: true });
    let streamedText = '';
    for await (const chunk of streamedFirst) streamedText += chunk.choices[0]?.delta.content ?? '';
    const json = await client.chat.completions.create(ask('Streamed first mock:words=3')).withResponse();
    expect(json.response.headers.get('x-relay-cache')).toBe('hit');
    expect(json.data.choices[0]!.message.content).toBe(streamedText);
    expect(upstreamCalls()).toBe(before + 1);
  });

  it('forgets an answer once its TTL passed (injected clock)', async () => {
    await client.chat.completions.create(ask('Expire me'));
    now += 61_000;
    const before = upstreamCalls();
    const again = await client.chat.completions.create(ask('Expire me')).withResponse();
    expect(again.response.headers.get('x-relay-cache')).toBe('miss');
    expect(upstreamCalls()).toBe(before + 1);
  });

  it('never caches a streamed request with tools (the alias did not allow it), but does a non-streamed one', async () => {
    const before = upstreamCalls();
    for (let i = 0; i < 2; i++) {
      const { data, response } = await client.chat.completions.create({ ...ask('Weather? mock:tool-call'), tools: TOOLS, stream: true }).withResponse();
      for await (const _chunk of data);
      expect(response.headers.get('x-relay-cache')).toBeNull();
    }
    expect(upstreamCalls()).toBe(before + 2);
    await client.chat.completions.create({ ...ask('Weather? mock:tool-call'), tools: TOOLS });
    const hit = await client.chat.completions.create({ ...ask('Weather? mock:tool-call'), tools: TOOLS }).withResponse();
    expect(hit.response.headers.get('x-relay-cache')).toBe('hit');
    expect((hit.data.choices[0]!.message.tool_calls?.[0] as { function: { name: string } } | undefined)?.function.name).toBe('get_weather');
  });

  it('a key can opt out, or keep entries of its own', async () => {
    await client.chat.completions.create(ask('Shared entry'));
    const optOut = new OpenAI({ apiKey: optOutKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const before = upstreamCalls();
    const refused = await optOut.chat.completions.create(ask('Shared entry')).withResponse();
    expect(refused.response.headers.get('x-relay-cache')).toBeNull();
    const own = new OpenAI({ apiKey: ownCacheKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
    expect((await own.chat.completions.create(ask('Shared entry')).withResponse()).response.headers.get('x-relay-cache')).toBe('miss');
    expect((await own.chat.completions.create(ask('Shared entry')).withResponse()).response.headers.get('x-relay-cache')).toBe('hit');
    expect(upstreamCalls()).toBe(before + 2);
  });
});
