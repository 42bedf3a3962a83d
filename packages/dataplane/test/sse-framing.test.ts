import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './dataplane-harness.ts';

/**
 * The SSE relay against an upstream that splits its stream at arbitrary byte boundaries,
 * inside JSON, inside `data:` and inside `[DONE]`, the way TCP may deliver it. Whatever the
 * split, the client must receive the same events.
 */
const EVENTS = [
  { choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null },
  { choices: [{ index: 0, delta: { content: 'Grüße, ' }, finish_reason: null }], usage: null },
  { choices: [{ index: 0, delta: { content: 'naïve 🙂 "quoted" world' }, finish_reason: null }], usage: null },
  { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null },
  { choices: [], usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 } },
].map((e, i) => ({ id: 'chatcmpl-split', object: 'chat.completion.chunk', created: 1, model: 'm', ...e, n: i }));

const STREAM = Buffer.from(EVENTS.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n');

let h: Harness;
let upstream: Server;
let seed = 42;
/** Deterministic pseudo-random split points, so a failure can be replayed. */
const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);

beforeAll(async () => {
  upstream = createServer((_req, res) => {
    res.socket?.setNoDelay(true);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    void (async () => {
      let at = 0;
      while (at < STREAM.length) {
        const size = 1 + Math.floor(random() * 40);
        res.write(STREAM.subarray(at, at + size));
        at += size;
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    })();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  h = await startHarness();
  h.applySnapshot((c) => {
    c.providers.push({ id: 'prov-split', orgId: 'org-1', name: 'Splitter', type: 'openai_compatible', baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, credential: null, environments: [] });
    c.routes.push({ orgId: 'org-1', alias: 'split', deployments: [{ id: 'dep-split', providerId: 'prov-split', upstreamModel: 'm', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] });
  });
});

afterAll(async () => {
  await h?.close();
  upstream?.close();
});

async function stream(includeUsage: boolean): Promise<{ text: string; requestId: string }> {
  const response = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.activeKey}` },
    body: JSON.stringify({ model: 'split', stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'x' }] }),
  });
  return { text: await response.text(), requestId: response.headers.get('x-request-id')! };
}

describe('SSE framing', () => {
  it('forwards the upstream bytes unchanged when the client asked for usage, however they were split (the cost added to the usage, issue 9)', async () => {
    // 9 prompt + 7 completion tokens at the harness prices: 5.55 micros, rounded to 6.
    const withCost = STREAM.toString('utf8').replace('"total_tokens":16}', '"total_tokens":16,"cost":0.000006,"cost_micros":6}');
    for (let round = 0; round < 25; round++) {
      const { text, requestId } = await stream(true);
      expect(text).toBe(withCost);
      expect(await h.eventFor(requestId)).toMatchObject({ prompt_tokens: 9, completion_tokens: 7, usage_source: 'provider', stream_end: 'done', finish_reason: 'stop', cost_micros: 6 });
    }
  });

  it('removes only what Relay added when the client did not ask for usage', async () => {
    const expected =
      EVENTS.slice(0, -1)
        .map(({ usage: _usage, ...rest }) => `data: ${JSON.stringify(rest)}\n\n`)
        .join('') + 'data: [DONE]\n\n';
    for (let round = 0; round < 25; round++) {
      const { text, requestId } = await stream(false);
      expect(text).toBe(expected);
      expect(await h.eventFor(requestId)).toMatchObject({ prompt_tokens: 9, completion_tokens: 7, usage_source: 'provider' });
    }
  });
});
