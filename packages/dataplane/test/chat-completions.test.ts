import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import { displayPrefix, generateKey, hashKey } from '@proxystacks/shared/keys/key-format';
import { INTERNAL_TOKEN, KEY_SECRET, PRICES, postAndHangUpAfterFirstChunk, startHarness, type Harness } from './dataplane-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function post(body: unknown, init: { key?: string | null; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  const key = init.key === undefined ? h.activeKey : init.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  return fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers, body: init.raw ?? JSON.stringify(body) });
}

const hello = (extra: Record<string, unknown> = {}, text = 'Hello, Relay.') => ({ model: 'relay-mini', messages: [{ role: 'user', content: text }], ...extra });

/** Reads an SSE response to the end and returns its `data:` payloads. */
async function readSse(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6));
}

describe('POST /v1/chat/completions, JSON', () => {
  it('answers through the mock upstream and meters the provider usage at the route price', async () => {
    const response = await post(hello());
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
    const body = (await response.json()) as { object: string; model: string; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('mock-1');
    const event = await h.eventFor(requestId);
    expect(event).toMatchObject({
      key_id: 'key-active',
      org_id: 'org-1',
      team_id: 'team-1',
      alias: 'relay-mini',
      provider_id: 'prov-mock',
      provider_type: 'mock',
      upstream_model: 'mock-1',
      status_code: 200,
      attempts: 1,
      usage_source: 'provider',
      prompt_tokens: body.usage.prompt_tokens,
      completion_tokens: body.usage.completion_tokens,
      pricing_rule_id: 'rule-1',
      pricing_rule_version: 3,
      snapshot_version: 1,
      streamed: false,
      stream_end: '',
      finish_reason: 'stop',
    });
    expect(event.cost_micros).toBe(priceRequest({ promptTokens: body.usage.prompt_tokens, completionTokens: body.usage.completion_tokens, cachedTokens: 0, cacheWriteTokens: 0 }, PRICES));
    expect(event.cost_micros).toBeGreaterThan(0);
  });

  it('accepts the seed example sent as form data by curl -d (the body is JSON whatever the content type)', async () => {
    const response = await post(null, { raw: JSON.stringify(hello()), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(200);
  });

  it('estimates usage when the provider reports none', async () => {
    const response = await post(hello({}, 'no usage please mock:no-usage'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { usage?: unknown };
    expect(body.usage).toBeUndefined();
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event.usage_source).toBe('estimate');
    expect(event.prompt_tokens).toBeGreaterThan(0);
    expect(event.completion_tokens).toBeGreaterThan(0);
  });

  it('falls back to the next deployment when the first cannot be reached', async () => {
    const response = await post({ ...hello(), model: 'with-fallback' });
    expect(response.status).toBe(200);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ attempts: 2, provider_id: 'prov-mock', status_code: 200, error_code: '' });
  });

  it('reports an upstream that cannot be reached as a retryable 502 without upstream details', async () => {
    const response = await post({ ...hello(), model: 'only-down' });
    expect(response.status).toBe(502);
    expect(response.headers.get('x-should-retry')).toBe('true');
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_error');
    expect(body.error.message).not.toContain('127.0.0.1');
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ status_code: 502, error_code: 'upstream_error', upstream_error_code: 'ECONNREFUSED', cost_micros: 0, usage_source: 'none' });
  });

  it('passes an upstream 5xx on as upstream_error and a 4xx as a summary naming the upstream’s code', async () => {
    const r500 = await post(hello({}, 'mock:fail=503'));
    expect(r500.status).toBe(502);
    expect(((await r500.json()) as { error: { code: string } }).error.code).toBe('upstream_error');
    const r400 = await post(hello({}, 'mock:fail=400'));
    expect(r400.status).toBe(400);
    const body = (await r400.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_invalid_request');
    // The provider's code, never its free text (issue 6: providers put account ids in it).
    expect(body.error.message).toContain('`mock_400`');
    expect(body.error.message).not.toContain('told to fail');
    const r429 = await post(hello({}, 'mock:fail=429'));
    expect(r429.status).toBe(429);
    expect(((await r429.json()) as { error: { code: string } }).error.code).toBe('upstream_rate_limited');
  });
});

describe('POST /v1/chat/completions, bad requests', () => {
  const cases: Array<[string, () => Promise<Response>, number, string, string | null]> = [
    ['no key', () => post(hello(), { key: null }), 401, 'unauthenticated', null],
    ['an unknown key', () => post(hello(), { key: 'sk-relay-' + 'x'.repeat(43) }), 401, 'invalid_api_key', null],
    ['a malformed key', () => post(hello(), { key: 'hunter2' }), 401, 'invalid_api_key', null],
    ['a revoked key', () => post(hello(), { key: h.revokedKey }), 401, 'api_key_revoked', null],
    ['malformed JSON', () => post(null, { raw: '{"model": "relay-mini", "messages": [' }), 400, 'invalid_json', null],
    ['a body that is not an object', () => post(null, { raw: '[1,2]' }), 400, 'invalid_type', null],
    ['a missing model', () => post({ messages: [{ role: 'user', content: 'x' }] }), 400, 'missing_required_parameter', 'model'],
    ['a mistyped field', () => post({ ...hello(), temperature: 'hot' }), 400, 'invalid_type', 'temperature'],
    ['an out-of-range value', () => post({ ...hello(), temperature: 7 }), 400, 'invalid_value', 'temperature'],
    ['an unknown model', () => post({ ...hello(), model: 'gpt-9' }), 404, 'model_not_found', 'model'],
  ];
  for (const [what, send, status, code, param] of cases) {
    it(`refuses ${what} with ${status} ${code}`, async () => {
      const response = await send();
      expect(response.status).toBe(status);
      expect(response.headers.get('x-request-id')).toMatch(/^req_/);
      expect(response.headers.get('content-type')).toBe('application/json');
      const body = (await response.json()) as { error: { code: string; param: string | null; message: string; type: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.param).toBe(param);
      expect(body.error.message.length).toBeGreaterThan(5);
      expect(body.error.message).not.toContain(h.activeKey);
      const event = await h.eventFor(response.headers.get('x-request-id')!);
      expect(event).toMatchObject({ status_code: status, error_code: code, cost_micros: 0 });
    });
  }

  it('refuses a body over the limit with 413 before buffering it', async () => {
    const big = 'x'.repeat(9 * 1024 * 1024);
    const response = await post(hello({}, big));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
  });

  it('answers unknown URLs and methods in the OpenAI error shape', async () => {
    const unknown = await fetch(`${h.url}/v1/embeddingz`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
    const wrongMethod = await fetch(`${h.url}/v1/chat/completions`);
    expect(wrongMethod.status).toBe(405);
  });

  it('stops a key the moment a snapshot revokes it', async () => {
    expect((await post(hello())).status).toBe(200);
    h.applySnapshot((c) => {
      c.keys[0]!.status = 'revoked';
    });
    const response = await post(hello());
    expect(response.status).toBe(401);
    h.applySnapshot((c) => {
      c.keys[0]!.status = 'active';
    });
    expect((await post(hello())).status).toBe(200);
  });
});

describe('POST /v1/chat/completions, streaming', () => {
  it('forwards chunks word by word, strips the usage chunk it added, and ends with [DONE]', async () => {
    const response = await post(hello({ stream: true }, 'Stream mock:words=8'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSse(response);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: Array<{ delta: { content?: string }; finish_reason: string | null }>; usage?: unknown });
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    // The usage Relay asked the upstream for is invisible: no usage chunk, no `"usage":null` fields.
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
    expect(chunks.map((c) => c.choices[0]!.delta.content ?? '').join('').split(' ')).toHaveLength(8);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ streamed: true, stream_end: 'done', usage_source: 'provider', finish_reason: 'stop', status_code: 200 });
    expect(event.ttft_ms).not.toBeNull();
  });

  it('keeps the usage chunk when the client asked for it (openai SDK)', async () => {
    const client = new OpenAI({ apiKey: h.activeKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'relay-mini', messages: [{ role: 'user', content: 'Count' }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const usage = chunks.at(-1)!.usage!;
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  it('ends a stream the upstream cut off with an OpenAI-shaped error event and estimates usage', async () => {
    const response = await post(hello({ stream: true }, 'mock:words=20 mock:cut-after=5'));
    expect(response.status).toBe(200);
    const events = await readSse(response);
    const last = JSON.parse(events.at(-1)!) as { error: { code: string; type: string } };
    expect(last.error).toMatchObject({ code: 'upstream_stream_interrupted', type: 'api_error' });
    expect(events).not.toContain('[DONE]');
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ stream_end: 'error', error_code: 'upstream_stream_interrupted', usage_source: 'estimate', completion_tokens: 5 });
    expect(event.cost_micros).toBeGreaterThan(0);
  });

  it('makes the openai SDK throw on a cut stream instead of returning a silently short answer', async () => {
    const client = new OpenAI({ apiKey: h.activeKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'relay-mini', messages: [{ role: 'user', content: 'mock:cut-after=3' }], stream: true });
    await expect(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    ).rejects.toThrow(/stopped the stream/);
  });

  it('aborts the upstream when the client goes away and records what was streamed', async () => {
    const requestId = await postAndHangUpAfterFirstChunk(h.url, h.activeKey, hello({ stream: true }, 'mock:words=200 mock:delay=20'));
    const event = await h.eventFor(requestId);
    expect(event).toMatchObject({ stream_end: 'client_abort', status_code: 499, usage_source: 'estimate' });
  });

  it('reports errors before the stream starts as plain JSON errors', async () => {
    const response = await post({ ...hello({ stream: true }), model: 'nope' });
    expect(response.status).toBe(404);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ streamed: true, stream_end: 'error', error_code: 'model_not_found' });
  });
});

describe('organisations', () => {
  it('resolve aliases within their own organisation only', async () => {
    const otherKey = generateKey();
    h.applySnapshot((c) => {
      c.keys.push({ id: 'key-org-2', hash: hashKey(otherKey, KEY_SECRET), prefix: displayPrefix(otherKey), name: 'other', orgId: 'org-2', teamId: 'team-2', projectId: 'proj-1', environmentId: 'env-1', environment: 'production', status: 'active', expiresAt: null, allowedAliases: [], previousHash: null, previousHashExpiresAt: null });
      c.providers.push({ id: 'prov-org-2', orgId: 'org-2', name: 'Mock', type: 'mock', baseUrl: null, credential: null, environments: [] });
      c.routes.push({ orgId: 'org-2', alias: 'private-model', deployments: [{ id: 'dep-org-2', providerId: 'prov-org-2', upstreamModel: 'mock-1', priority: 0, weight: 1, pricingRuleId: null, environment: '' }] });
    });
    // org-1's alias does not exist for org-2, and the other way round.
    expect((await post(hello(), { key: otherKey })).status).toBe(404);
    expect((await post({ ...hello(), model: 'private-model' })).status).toBe(404);
    const own = await post({ ...hello(), model: 'private-model' }, { key: otherKey });
    expect(own.status).toBe(200);
    expect(await h.eventFor(own.headers.get('x-request-id')!)).toMatchObject({ org_id: 'org-2', team_id: 'team-2', key_id: 'key-org-2', cost_micros: 0, pricing_rule_id: '' });
    const client = new OpenAI({ apiKey: otherKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['private-model']);
  });
});

describe('GET /v1/models and /healthz', () => {
  it('lists the aliases to a valid key', async () => {
    const client = new OpenAI({ apiKey: h.activeKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['ext-mini', 'only-down', 'relay-mini', 'with-fallback']);
    const anonymous = await fetch(`${h.url}/v1/models`);
    expect(anonymous.status).toBe(401);
  });

  it('reports health with the snapshot version', async () => {
    const response = await fetch(`${h.url}/healthz`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { snapshot_version: number }).snapshot_version).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /metrics', () => {
  it('needs the internal token', async () => {
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${h.activeKey}` } })).status).toBe(401);
  });

  it('counts requests by known alias, status and error, and reports the snapshot and event queue', async () => {
    await post({ ...hello(), model: 'typo-model-123' });
    const response = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${INTERNAL_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/relay_requests_total\{alias="relay-mini",status="2xx",error_code="",streamed="false"\} [1-9]/);
    expect(text).toMatch(/relay_requests_total\{alias="\(unknown\)",status="4xx",error_code="model_not_found",streamed="false"\} [1-9]/);
    expect(text).not.toContain('typo-model-123');
    expect(text).toMatch(/relay_snapshot_version [1-9]/);
    expect(text).toMatch(/relay_cost_micros_total [1-9]/);
    expect(text).toContain('relay_events_dropped 0');
    expect(text).toContain('relay_dataplane_process_resident_memory_bytes');
  });
});

describe('tool calls', () => {
  const tools = [
    { type: 'function' as const, function: { name: 'lookup', description: 'Looks something up', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } },
  ];

  it('passes tools through and returns the upstream tool call (JSON)', async () => {
    const client = new OpenAI({ apiKey: h.activeKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: 'relay-mini', messages: [{ role: 'user', content: 'Find Relay' }], tools, tool_choice: 'required' })
      .withResponse();
    const call = data.choices[0]!.message.tool_calls![0]!;
    expect(data.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && call.function.name).toBe('lookup');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toHaveProperty('query');
    expect(await h.eventFor(response.headers.get('x-request-id')!)).toMatchObject({ finish_reason: 'tool_calls', usage_source: 'provider' });
  });

  it('streams tool-call deltas that the SDK reassembles, timing the first token on the call', async () => {
    const client = new OpenAI({ apiKey: h.activeKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'relay-mini', messages: [{ role: 'user', content: 'Find Relay mock:tool-call' }], tools, stream: true })
      .withResponse();
    let name = '';
    let args = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += delta.function?.name ?? '';
        args += delta.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('lookup');
    expect(JSON.parse(args)).toHaveProperty('query');
    expect(finish).toBe('tool_calls');
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ finish_reason: 'tool_calls', stream_end: 'done', usage_source: 'provider' });
    expect(event.ttft_ms).not.toBeNull();
  });
});
