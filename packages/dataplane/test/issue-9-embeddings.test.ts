import { countTokens } from 'gpt-tokenizer';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@proxystacks/shared/keys/key-format';
import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import { sealSnapshotCredential, snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import { INTERNAL_TOKEN, PRICES, startHarness, testKey, type Harness } from './dataplane-harness.ts';
import { MOCK_BAD_GEMINI_KEY } from '../src/mock/gemini-wire.ts';
import { mockEmbedding, MOCK_EMBEDDING_DIMENSIONS } from '../src/mock/mock-embeddings.ts';

/**
 * Issue 9: `POST /v1/embeddings` through the official OpenAI SDK against a real data plane and
 * the mock's OpenAI and Gemini wires over loopback HTTP (authenticated, routed with fallback,
 * metered, priced, one event), and `GET /v1/models/{id}`.
 */
let h: Harness;
let client: OpenAI;
const restrictedKey = generateKey();
const stagingKey = generateKey();
const tokens = (text: string) => countTokens(text, { disallowedSpecial: new Set() });

beforeAll(async () => {
  h = await startHarness();
  const seal = (providerId: string, secret: string) => sealSnapshotCredential(secret, snapshotCredentialKey(INTERNAL_TOKEN), providerId);
  h.applySnapshot((c) => {
    const geminiBase = h.upstream.baseUrl.replace(/\/v1$/, '/v1beta');
    c.keys.push(
      testKey('key-restricted', restrictedKey, { allowedAliases: ['emb'] }),
      testKey('key-staging', stagingKey, { environmentId: 'env-2', environment: 'staging' }),
    );
    c.providers.push(
      { id: 'prov-gemini', orgId: 'org-1', name: 'Gemini (mock wire)', type: 'gemini', baseUrl: geminiBase, credential: seal('prov-gemini', 'test-gemini-key'), environments: [] },
      { id: 'prov-gemini-badkey', orgId: 'org-1', name: 'Gemini, wrong key', type: 'gemini', baseUrl: geminiBase, credential: seal('prov-gemini-badkey', MOCK_BAD_GEMINI_KEY), environments: [] },
      { id: 'prov-anthropic', orgId: 'org-1', name: 'Anthropic (mock)', type: 'anthropic', baseUrl: h.upstream.baseUrl, credential: seal('prov-anthropic', 'sk-ant-mock'), environments: [] },
    );
    const deployment = (id: string, providerId: string, upstreamModel: string, priority = 0, environment = '') => ({ id, providerId, upstreamModel, priority, weight: 1, pricingRuleId: 'rule-1', environment });
    c.routes.push(
      { orgId: 'org-1', alias: 'emb', deployments: [deployment('dep-emb', 'prov-ext', 'text-embedding-3-small')] },
      { orgId: 'org-1', alias: 'emb-gem', deployments: [deployment('dep-emb-gem', 'prov-gemini', 'gemini-embedding-001')] },
      { orgId: 'org-1', alias: 'emb-fallback', deployments: [deployment('dep-emb-down', 'prov-down', 'x', 0), deployment('dep-emb-up', 'prov-ext', 'text-embedding-3-small', 1)] },
      { orgId: 'org-1', alias: 'emb-badkey-then-gem', deployments: [deployment('dep-bad', 'prov-gemini-badkey', 'gemini-embedding-001', 0), deployment('dep-good', 'prov-gemini', 'gemini-embedding-001', 1)] },
      { orgId: 'org-1', alias: 'claude', deployments: [deployment('dep-claude', 'prov-anthropic', 'claude-mock-1')] },
      { orgId: 'org-1', alias: 'claude-then-emb', deployments: [deployment('dep-claude-2', 'prov-anthropic', 'claude-mock-1', 0), deployment('dep-emb-2', 'prov-ext', 'text-embedding-3-small', 1)] },
      { orgId: 'org-1', alias: 'team/emb v2', deployments: [deployment('dep-slash', 'prov-ext', 'text-embedding-3-small')] },
      { orgId: 'org-1', alias: 'emb-prod-only', deployments: [deployment('dep-prod', 'prov-ext', 'text-embedding-3-small', 0, 'production')] },
    );
  });
  client = new OpenAI({ apiKey: h.activeKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await h?.close();
});

/** Little-endian float32, as OpenAI's base64 embeddings are. */
function decodeBase64Floats(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

async function post(body: unknown, key = h.activeKey): Promise<{ status: number; body: any; requestId: string }> {
  const response = await fetch(`${h.url}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: await response.json(), requestId: response.headers.get('x-request-id')! };
}

describe('POST /v1/embeddings on an OpenAI-compatible upstream', () => {
  it('answers floats in OpenAI’s shape and records one priced event with the provider’s token count', async () => {
    const { data: answer, response } = await client.embeddings.create({ model: 'emb', input: 'The quick brown fox', encoding_format: 'float' }).withResponse();
    expect(answer.object).toBe('list');
    expect(answer.model).toBe('text-embedding-3-small');
    expect(answer.data).toEqual([{ object: 'embedding', index: 0, embedding: mockEmbedding('The quick brown fox', MOCK_EMBEDDING_DIMENSIONS) }]);
    const promptTokens = tokens('The quick brown fox');
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    // The cost the event records, also in the body (issue 9, usage.cost as OpenRouter does).
    expect(answer.usage).toEqual({ prompt_tokens: promptTokens, total_tokens: promptTokens, cost: event.cost_micros / 1e6, cost_micros: event.cost_micros });
    expect(response.headers.get('x-relay-cost-micros')).toBe(String(event.cost_micros));
    expect(response.headers.get('x-relay-model')).toBe('text-embedding-3-small');
    expect(event).toMatchObject({ alias: 'emb', provider_id: 'prov-ext', upstream_model: 'text-embedding-3-small', status_code: 200, error_code: '', attempts: 1, prompt_tokens: promptTokens, completion_tokens: 0, usage_source: 'provider', streamed: false, pricing_rule_id: 'rule-1' });
    expect(event.cost_micros).toBe(priceRequest({ promptTokens, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 }, PRICES));
  });

  it('gives base64 (the SDK’s default, decoded by the SDK, and asked for explicitly) that decodes to the float answer', async () => {
    const input = 'base64 round trip';
    const floats = (await client.embeddings.create({ model: 'emb', input, encoding_format: 'float' })).data[0]!.embedding;
    const sdkDefault = await client.embeddings.create({ model: 'emb', input });
    expect(sdkDefault.data[0]!.embedding).toEqual(floats);
    const raw = await post({ model: 'emb', input, encoding_format: 'base64' });
    expect(raw.status).toBe(200);
    expect(typeof raw.body.data[0].embedding).toBe('string');
    expect(decodeBase64Floats(raw.body.data[0].embedding)).toEqual(floats);
  });

  it('encodes base64 itself when the upstream answers floats only', async () => {
    const input = 'an upstream that cannot encode mock:floats-only';
    const raw = await post({ model: 'emb', input, encoding_format: 'base64' });
    expect(raw.status).toBe(200);
    expect(decodeBase64Floats(raw.body.data[0].embedding)).toEqual(mockEmbedding(input, MOCK_EMBEDDING_DIMENSIONS));
  });

  it('embeds several inputs in order, honours dimensions, and takes token-id inputs', async () => {
    const inputs = ['alpha', 'beta gamma', 'delta'];
    const answer = await client.embeddings.create({ model: 'emb', input: inputs, dimensions: 8, encoding_format: 'float' });
    expect(answer.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(answer.data.map((d) => d.embedding)).toEqual(inputs.map((input) => mockEmbedding(input, 8)));
    expect(answer.usage.prompt_tokens).toBe(inputs.reduce((sum, input) => sum + tokens(input), 0));
    const ids = await client.embeddings.create({ model: 'emb', input: [[1, 2, 3], [4, 5]], encoding_format: 'float' });
    expect(ids.data.map((d) => d.embedding)).toEqual([mockEmbedding([1, 2, 3], MOCK_EMBEDDING_DIMENSIONS), mockEmbedding([4, 5], MOCK_EMBEDDING_DIMENSIONS)]);
    expect(ids.usage.prompt_tokens).toBe(5);
    const single = await client.embeddings.create({ model: 'emb', input: [7, 8, 9], encoding_format: 'float' });
    expect(single.data).toHaveLength(1);
  });

  it('falls back past a deployment whose connection is refused', async () => {
    const { data: answer, response } = await client.embeddings.create({ model: 'emb-fallback', input: 'fallback' }).withResponse();
    expect(answer.data[0]!.embedding).toEqual(mockEmbedding('fallback', MOCK_EMBEDDING_DIMENSIONS));
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ provider_id: 'prov-ext', attempts: 2, status_code: 200, usage_source: 'provider' });
  });

  it('passes an upstream failure on as an OpenAI error, with the event saying so', async () => {
    const failed = await post({ model: 'emb', input: 'please mock:fail=503' });
    expect(failed.status).toBe(502);
    expect(failed.body.error).toMatchObject({ code: 'upstream_error', type: 'api_error' });
    expect(JSON.stringify(failed.body)).not.toMatch(/mock provider was told|127\.0\.0\.1/);
    const event = await h.eventFor(failed.requestId);
    expect(event).toMatchObject({ status_code: 502, error_code: 'upstream_error', upstream_error_code: 'mock_503', usage_source: 'none', cost_micros: 0 });
  });
});

describe('POST /v1/embeddings on Gemini (batchEmbedContents)', () => {
  it('translates to OpenAI’s shape, honours dimensions, and estimates the tokens Gemini does not report', async () => {
    const inputs = ['first text', 'second, longer text here'];
    const { data: answer, response } = await client.embeddings.create({ model: 'emb-gem', input: inputs, dimensions: 16, encoding_format: 'float' }).withResponse();
    expect(answer.model).toBe('gemini-embedding-001');
    // The mock gives the same vectors on both wires: the Gemini path matches the OpenAI one.
    expect(answer.data).toEqual(inputs.map((input, index) => ({ object: 'embedding', index, embedding: mockEmbedding(input, 16) })));
    const estimated = inputs.reduce((sum, input) => sum + tokens(input), 0);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(answer.usage).toEqual({ prompt_tokens: estimated, total_tokens: estimated, cost: event.cost_micros / 1e6, cost_micros: event.cost_micros });
    expect(event).toMatchObject({ provider_id: 'prov-gemini', provider_type: 'gemini', prompt_tokens: estimated, completion_tokens: 0, usage_source: 'estimate', status_code: 200 });
    expect(event.cost_micros).toBe(priceRequest({ promptTokens: estimated, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 }, PRICES));
  });

  it('converts Gemini’s floats to base64 (the SDK default) and splits more than 100 inputs into batches', async () => {
    const sdkDefault = await client.embeddings.create({ model: 'emb-gem', input: 'gemini base64' });
    expect(sdkDefault.data[0]!.embedding).toEqual(mockEmbedding('gemini base64', MOCK_EMBEDDING_DIMENSIONS));
    const raw = await post({ model: 'emb-gem', input: 'gemini base64', encoding_format: 'base64' });
    expect(decodeBase64Floats(raw.body.data[0].embedding)).toEqual(mockEmbedding('gemini base64', MOCK_EMBEDDING_DIMENSIONS));
    const many = Array.from({ length: 150 }, (_, i) => `input number ${i}`);
    const answer = await client.embeddings.create({ model: 'emb-gem', input: many, dimensions: 4, encoding_format: 'float' });
    expect(answer.data).toHaveLength(150);
    expect(answer.data[149]!.embedding).toEqual(mockEmbedding('input number 149', 4));
  });

  it('falls back past a Gemini deployment with a bad key, and refuses token-id inputs it cannot translate', async () => {
    const { data: answer, response } = await client.embeddings.create({ model: 'emb-badkey-then-gem', input: 'after a bad key' }).withResponse();
    expect(answer.data[0]!.embedding).toEqual(mockEmbedding('after a bad key', MOCK_EMBEDDING_DIMENSIONS));
    expect(await h.eventFor(response.headers.get('x-request-id')!)).toMatchObject({ provider_id: 'prov-gemini', attempts: 2 });
    const ids = await post({ model: 'emb-gem', input: [1, 2, 3] });
    expect(ids.status).toBe(400);
    expect(ids.body.error).toMatchObject({ code: 'unsupported_value', param: 'input', type: 'invalid_request_error' });
  });
});

describe('POST /v1/embeddings refusals', () => {
  it('refuses an Anthropic-only alias with model_not_supported, and skips Anthropic deployments in a fallback', async () => {
    const refused = await post({ model: 'claude', input: 'hi' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'model_not_supported', param: 'model', type: 'invalid_request_error' });
    expect(await h.eventFor(refused.requestId)).toMatchObject({ alias: 'claude', status_code: 400, error_code: 'model_not_supported', attempts: 0 });
    const { data: answer, response } = await client.embeddings.create({ model: 'claude-then-emb', input: 'skip claude' }).withResponse();
    expect(answer.data[0]!.embedding).toEqual(mockEmbedding('skip claude', MOCK_EMBEDDING_DIMENSIONS));
    expect(await h.eventFor(response.headers.get('x-request-id')!)).toMatchObject({ provider_id: 'prov-ext', attempts: 1 });
  });

  it.each([
    [{ input: 'x' }, 'missing_required_parameter', 'model'],
    [{ model: 'emb' }, 'missing_required_parameter', 'input'],
    [{ model: 'emb', input: 42 }, 'invalid_type', 'input'],
    [{ model: 'emb', input: '' }, 'invalid_value', 'input'],
    [{ model: 'emb', input: [] }, 'invalid_value', 'input'],
    [{ model: 'emb', input: ['a', 1] }, 'invalid_type', 'input[1]'],
    [{ model: 'emb', input: ['a', ''] }, 'invalid_value', 'input[1]'],
    [{ model: 'emb', input: [[1, -2]] }, 'invalid_type', 'input[0][1]'],
    [{ model: 'emb', input: [1.5] }, 'invalid_type', 'input[0]'],
    [{ model: 'emb', input: Array.from({ length: 2049 }, () => 'x') }, 'array_above_max_length', 'input'],
    [{ model: 'emb', input: 'x', encoding_format: 'hex' }, 'invalid_value', 'encoding_format'],
    [{ model: 'emb', input: 'x', dimensions: 0 }, 'invalid_value', 'dimensions'],
    [{ model: 'emb', input: 'x', dimensions: '8' }, 'invalid_type', 'dimensions'],
    [{ model: 'emb', input: 'x', user: 7 }, 'invalid_type', 'user'],
  ])('answers %j with a 400 %s naming %s', async (body, code, param) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code, param, type: 'invalid_request_error' });
    expect(await h.eventFor(answer.requestId)).toMatchObject({ status_code: 400, error_code: code, attempts: 0 });
  });

  it('refuses bad JSON, unknown aliases, missing keys, other methods, and aliases outside the key’s allow-list or environment', async () => {
    expect((await post('{"model":')).body.error.code).toBe('invalid_json');
    const unknown = await post({ model: 'nope', input: 'x' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'model_not_found']);
    const anonymous = await fetch(`${h.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
    expect((await fetch(`${h.url}/v1/embeddings`)).status).toBe(405);
    const notAllowed = await post({ model: 'emb-gem', input: 'x' }, restrictedKey);
    expect([notAllowed.status, notAllowed.body.error.code]).toEqual([403, 'model_not_allowed']);
    expect((await post({ model: 'emb', input: 'x' }, restrictedKey)).status).toBe(200);
    const otherEnvironment = await post({ model: 'emb-prod-only', input: 'x' }, stagingKey);
    expect([otherEnvironment.status, otherEnvironment.body.error.code]).toEqual([404, 'model_not_found']);
  });
});

describe('GET /v1/models/{id}', () => {
  async function get(id: string, key = h.activeKey): Promise<{ status: number; body: any }> {
    const response = await fetch(`${h.url}/v1/models/${id}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: await response.json() };
  }

  it('answers an alias the key may call in OpenAI’s model shape, as GET /v1/models lists it', async () => {
    const model = await client.models.retrieve('emb');
    const listed = (await client.models.list()).data.find((m) => m.id === 'emb');
    expect(model).toEqual({ id: 'emb', object: 'model', created: expect.any(Number), owned_by: 'proxystacks-relay' });
    expect(model).toEqual(listed);
  });

  it('finds an alias with a slash and a space, URL-encoded (as the SDK sends it) or with the slash as is', async () => {
    expect((await client.models.retrieve('team/emb v2')).id).toBe('team/emb v2');
    expect((await get('team%2Femb%20v2')).body.id).toBe('team/emb v2');
    expect((await get('team/emb%20v2')).body.id).toBe('team/emb v2');
  });

  it('answers the same 404 for an alias that does not exist and one the key may not see', async () => {
    const shape = (id: string, answer: { status: number; body: any }) => ({ status: answer.status, error: { ...answer.body.error, message: answer.body.error.message.replace(id, '<id>') } });
    const unknown = shape('no-such-alias', await get('no-such-alias', restrictedKey));
    expect(unknown).toEqual({ status: 404, error: { message: "The model '<id>' does not exist or you do not have access to it.", type: 'invalid_request_error', code: 'model_not_found', param: 'model' } });
    expect(shape('emb-gem', await get('emb-gem', restrictedKey))).toEqual(unknown);
    expect(shape('emb-prod-only', await get('emb-prod-only', stagingKey))).toEqual(unknown);
    expect((await get('emb', restrictedKey)).status).toBe(200);
    expect((await get('emb-prod-only')).status).toBe(200);
    expect((await get('%E0%A4%A')).body.error.code).toBe('model_not_found');
    expect((await client.models.retrieve('emb-gem')).id).toBe('emb-gem');
    const restricted = new OpenAI({ apiKey: restrictedKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
    await expect(restricted.models.retrieve('emb-gem')).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    expect((await fetch(`${h.url}/v1/models/emb`)).status).toBe(401);
  });
});
