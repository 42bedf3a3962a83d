import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 11, the upstream request path rebuilt: undici `dispatch()` with the attempt's own abort
 * (no AbortController per request or attempt), end to end through the data plane, with a
 * loopback upstream of the test's own that records the bytes it was sent.
 */
const received: Array<{ url: string; body: string }> = [];
const upstream = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ url: req.url!, body });
    const request = JSON.parse(body) as { model: string; stream?: boolean };
    if (request.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: request.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.end(`${chunk({ role: 'assistant' }, null)}${chunk({ content: 'hi' }, null)}${chunk({}, 'stop')}data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: request.model, choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })}\n\ndata: [DONE]\n\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: request.model, choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
  });
});

let h: Harness;

beforeAll(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  h = await startHarness();
  h.applySnapshot((c) => {
    c.providers.push({ id: 'prov-echo', orgId: 'org-1', name: 'echo', type: 'openai_compatible', baseUrl: base, credential: null, environments: [] });
    c.routes.push({ orgId: 'org-1', alias: 'echo', deployments: [{ id: 'dep-echo', providerId: 'prov-echo', upstreamModel: 'upstream-model', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] });
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

async function chat(body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json' }, body });
  return { status: response.status, text: await response.text() };
}

describe('the upstream request path (issue 11)', () => {
  it('makes no AbortController per request or attempt, JSON or streamed, fallback included', async () => {
    const made: string[] = [];
    const Original = globalThis.AbortController;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        // Only the data plane's own upstream path counts (the test's fetch makes its own).
        const stack = new Error().stack ?? '';
        if (/dataplane\/src\/(routing|providers|upstream|chat|routes)\//.test(stack)) made.push(stack);
      }
    };
    try {
      for (const stream of [false, true]) {
        for (const model of ['echo', 'with-fallback']) {
          const { status, text } = await chat(JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Hello' }] }));
          expect(status).toBe(200);
          if (stream) expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
        }
      }
    } finally {
      globalThis.AbortController = Original;
    }
    expect(made).toEqual([]);
  });

  it("sends the client's own bytes with the upstream model spliced in, and serialises when unsure", async () => {
    received.length = 0;
    const client = '{ "messages" : [ { "role": "user", "content": "caf\\u00e9 \\"quoted\\"" } ],\n  "model": "echo", "temperature": 0.50, "x_extra": {"a": [1, 2.0]} }';
    expect((await chat(client)).status).toBe(200);
    expect(received.at(-1)!.body).toBe(client.replace('"model": "echo"', '"model": "upstream-model"'));

    // Streams ask for usage: appended when the client did not set stream_options.
    const streamed = '{"model":"echo","stream":true,"messages":[{"role":"user","content":"hi"}]}';
    expect((await chat(streamed)).status).toBe(200);
    expect(received.at(-1)!.body).toBe('{"model":"upstream-model","stream":true,"messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}');

    // A key written twice: the upstream gets the request as the gateway read it, not the bytes.
    const twice = '{"model":"echo","max_tokens":100000,"messages":[{"role":"user","content":"hi"}],"max_tokens":10}';
    expect((await chat(twice)).status).toBe(200);
    expect(received.at(-1)!.body).toBe('{"model":"upstream-model","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}');
  });
});
