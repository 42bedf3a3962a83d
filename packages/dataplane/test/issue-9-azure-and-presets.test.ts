import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_PRESETS } from '@proxystacks/shared/providers/provider-presets';
import { sealSnapshotCredential, snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import { mockEmbedding, MOCK_EMBEDDING_DIMENSIONS } from '../src/mock/mock-embeddings.ts';
import { INTERNAL_TOKEN, startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 9: Azure OpenAI (deployment URLs, `api-key`, `api-version`) and per-provider extra
 * headers (the OpenAI-compatible presets), through the official OpenAI SDK against a real data
 * plane: once against the mock's Azure wire (chat, stream, embeddings), and once against a
 * capturing server on loopback that records exactly what the gateway sent upstream.
 */
let h: Harness;
let client: OpenAI;
let capture: Server;
let captureOrigin: string;
const seen: Array<{ url: string; headers: IncomingHttpHeaders; body: any }> = [];

beforeAll(async () => {
  capture = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = JSON.parse(raw);
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-capture', object: 'chat.completion', created: 0, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: 'captured' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
    });
  });
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  captureOrigin = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`;

  h = await startHarness();
  const seal = (providerId: string, secret: string) => sealSnapshotCredential(secret, snapshotCredentialKey(INTERNAL_TOKEN), providerId);
  const mockOrigin = h.upstream.baseUrl.replace(/\/v1$/, '');
  const openrouter = PROVIDER_PRESETS.find((p) => p.id === 'openrouter')!;
  h.applySnapshot((c) => {
    c.providers.push(
      { id: 'prov-azure', orgId: 'org-1', name: 'Azure (mock wire)', type: 'azure_openai', baseUrl: mockOrigin, credential: seal('prov-azure', 'azure-secret'), environments: [] },
      { id: 'prov-azure-capture', orgId: 'org-1', name: 'Azure (capture)', type: 'azure_openai', baseUrl: captureOrigin, credential: seal('prov-azure-capture', 'azure-secret-2'), environments: [], apiVersion: '2025-04-01-preview' },
      { id: 'prov-router', orgId: 'org-1', name: 'OpenRouter-like', type: 'openai_compatible', baseUrl: `${captureOrigin}/api/v1`, credential: seal('prov-router', 'or-secret'), environments: [], extraHeaders: { ...openrouter.extraHeaders } },
    );
    const deployment = (id: string, providerId: string, upstreamModel: string) => ({ id, providerId, upstreamModel, priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' });
    c.routes.push(
      { orgId: 'org-1', alias: 'azure-chat', deployments: [deployment('dep-azure', 'prov-azure', 'my-gpt4o')] },
      { orgId: 'org-1', alias: 'azure-emb', deployments: [deployment('dep-azure-emb', 'prov-azure', 'my-embedder')] },
      { orgId: 'org-1', alias: 'azure-capture', deployments: [deployment('dep-azure-capture', 'prov-azure-capture', 'team gpt/4o')] },
      { orgId: 'org-1', alias: 'router', deployments: [deployment('dep-router', 'prov-router', 'meta-llama/llama-3.1-8b')] },
    );
  });
  client = new OpenAI({ apiKey: h.activeKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => (capture ? capture.close(() => resolve()) : resolve()));
});

describe('Azure OpenAI', () => {
  it('answers a chat completion through the deployment URL, metered as one event', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'azure-chat', messages: [{ role: 'user', content: 'hello azure' }] }).withResponse();
    expect(data.model).toBe('my-gpt4o');
    expect(data.choices[0]!.message.content).toBeTruthy();
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ alias: 'azure-chat', provider_id: 'prov-azure', upstream_model: 'my-gpt4o', status_code: 200, usage_source: 'provider' });
    expect(event.cost_micros).toBeGreaterThan(0);
  });

  it('streams with usage', async () => {
    const stream = await client.chat.completions.create({ model: 'azure-chat', messages: [{ role: 'user', content: 'stream please' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('makes embeddings through the deployment URL', async () => {
    const answer = await client.embeddings.create({ model: 'azure-emb', input: 'vector me', encoding_format: 'float' });
    expect(answer.data[0]!.embedding).toEqual(mockEmbedding('vector me', MOCK_EMBEDDING_DIMENSIONS));
  });

  it('sends the api-key header (never a bearer token), the api-version and the encoded deployment name', async () => {
    seen.length = 0;
    await client.chat.completions.create({ model: 'azure-capture', messages: [{ role: 'user', content: 'who are you' }] });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('/openai/deployments/team%20gpt%2F4o/chat/completions?api-version=2025-04-01-preview');
    expect(seen[0]!.headers['api-key']).toBe('azure-secret-2');
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });
});

describe('extra headers of an OpenAI-compatible preset', () => {
  it('go with every request, next to the bearer credential, and cannot replace it', async () => {
    seen.length = 0;
    const answer = await client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0]!.message.content).toBe('captured');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('/api/v1/chat/completions');
    expect(seen[0]!.headers['http-referer']).toBe('https://relay.example.com');
    expect(seen[0]!.headers['x-title']).toBe('ProxyStacks Relay');
    expect(seen[0]!.headers.authorization).toBe('Bearer or-secret');
    expect(seen[0]!.body.model).toBe('meta-llama/llama-3.1-8b');
  });
});
