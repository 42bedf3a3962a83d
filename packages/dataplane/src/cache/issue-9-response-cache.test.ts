import { describe, expect, it } from 'vitest';
import type { ChatCompletion, ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import { spliceUsageCost } from '../metering/usage-cost.ts';
import { SseScanner } from '../streaming/sse-scanner.ts';
import { createCompletionAssembler } from './assemble-completion.ts';
import { canonicalJson, responseCacheKey } from './cache-key.ts';
import { replayAsStream } from './replay-stream.ts';
import { createResponseCache, type CachedAnswer } from './response-cache.ts';

const answer = (text: string, costMicros = 10): CachedAnswer => ({ completion: Buffer.from(text), deploymentId: 'dep-1', costMicros });

describe('response cache (LRU by bytes, TTL)', () => {
  it('answers a live entry, and forgets it once its TTL has passed on the injected clock', () => {
    let now = 1_000;
    const cache = createResponseCache({ maxBytes: 10_000, now: () => now });
    cache.set('a', answer('{"x":1}'), 5_000);
    expect(cache.get('a')?.completion.toString()).toBe('{"x":1}');
    now += 4_999;
    expect(cache.get('a')).not.toBeNull();
    now += 1;
    expect(cache.get('a')).toBeNull();
    expect(cache.stats()).toEqual({ bytes: 0, entries: 0 });
  });

  it('stays within its byte bound by evicting the least recently used entries', () => {
    const body = 'x'.repeat(700); // each entry costs 700 + key + 256 bookkeeping bytes
    const cache = createResponseCache({ maxBytes: 2_000 });
    cache.set('a', answer(body), 60_000);
    cache.set('b', answer(body), 60_000);
    expect(cache.get('a')).not.toBeNull(); // `a` is now the most recently used
    cache.set('c', answer(body), 60_000);
    expect(cache.get('b')).toBeNull();
    expect(cache.get('a')).not.toBeNull();
    expect(cache.get('c')).not.toBeNull();
    expect(cache.stats().bytes).toBeLessThanOrEqual(2_000);
    // An answer larger than the whole cache is never stored (and evicts nothing).
    cache.set('huge', answer('y'.repeat(5_000)), 60_000);
    expect(cache.get('huge')).toBeNull();
    expect(cache.stats().entries).toBe(2);
  });

  it('replaces an entry under the same key without counting it twice', () => {
    const cache = createResponseCache({ maxBytes: 10_000 });
    cache.set('a', answer('1'), 60_000);
    const bytes = cache.stats().bytes;
    cache.set('a', answer('2'), 60_000);
    expect(cache.stats()).toEqual({ bytes, entries: 1 });
    expect(cache.get('a')?.completion.toString()).toBe('2');
  });
});

describe('cache key canonicalisation', () => {
  const scope = { orgId: 'org-1', alias: 'relay-mini', keyId: null };
  const request: ChatCompletionRequest = { model: 'relay-mini', messages: [{ role: 'user', content: 'Hi' }], temperature: 0 };

  it('ignores key order and the delivery fields (stream, stream_options, user)', () => {
    const reordered = { temperature: 0, messages: [{ content: 'Hi', role: 'user' }], model: 'relay-mini', stream: true, stream_options: { include_usage: true }, user: 'u-42' } as ChatCompletionRequest;
    expect(responseCacheKey(scope, reordered)).toBe(responseCacheKey(scope, request));
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('changes with anything that changes the answer, and with the scope', () => {
    const key = responseCacheKey(scope, request);
    expect(responseCacheKey(scope, { ...request, temperature: 1 })).not.toBe(key);
    expect(responseCacheKey(scope, { ...request, messages: [{ role: 'user', content: 'Hi!' }] })).not.toBe(key);
    expect(responseCacheKey(scope, { ...request, tools: [{ type: 'function', function: { name: 'f' } }] })).not.toBe(key);
    expect(responseCacheKey({ ...scope, orgId: 'org-2' }, request)).not.toBe(key);
    expect(responseCacheKey({ ...scope, alias: 'other' }, request)).not.toBe(key);
    expect(responseCacheKey({ ...scope, keyId: 'key-1' }, request)).not.toBe(key);
  });
});

describe('streamed answers, stored and replayed', () => {
  const completion: ChatCompletion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'mock-1',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello there', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
  };

  it('a replayed stream assembles back to the same completion', async () => {
    const assembler = createCompletionAssembler();
    const scanner = new SseScanner();
    for await (const chunk of replayAsStream(completion)) for (const event of scanner.push(chunk)) assembler.push(event);
    expect(JSON.parse(assembler.completion()!.toString())).toEqual(completion);
    expect(assembler.finishReasons()).toEqual(['tool_calls']);
  });
});

describe('usage.cost spliced into the bytes', () => {
  it('adds cost and cost_micros to the top-level usage object, exactly from micros', () => {
    const body = Buffer.from('{"choices":[{"message":{"content":"say \\"usage\\": {}"}}],"usage": {"prompt_tokens":1,"nested":{"a":"}"}}}');
    const spliced = JSON.parse(spliceUsageCost(body, 123)!.toString());
    expect(spliced.usage).toEqual({ prompt_tokens: 1, nested: { a: '}' }, cost: 0.000123, cost_micros: 123 });
    expect(spliced.choices[0].message.content).toBe('say "usage": {}');
    expect(spliceUsageCost(Buffer.from('{"usage":{}}'), 1_500_000)!.toString()).toBe('{"usage":{"cost":1.500000,"cost_micros":1500000}}');
    expect(spliceUsageCost(Buffer.from('{"usage":null}'), 1)).toBeNull();
  });
});
