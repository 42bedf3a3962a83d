import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './dataplane-harness.ts';

/**
 * What the gateway does to its upstream, seen from the upstream's side: it hangs up when the
 * client does, and it stops reading when the client stops reading (backpressure), instead of
 * buffering a whole answer in memory.
 */
let h: Harness;
beforeAll(async () => {
  // A short upstream timeout so the timeout test does not wait two minutes.
  h = await startHarness({ UPSTREAM_TIMEOUT_MS: '1500' });
});
afterAll(async () => {
  await h?.close();
});

function openStream(content: string): Promise<{ res: IncomingMessage; destroy(): void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json' },
    });
    req.on('response', (res) => resolve({ res, destroy: () => req.destroy() }));
    req.on('error', (err) => {
      if (!/aborted|socket hang up|ECONNRESET/.test(err.message)) reject(err);
    });
    req.end(JSON.stringify({ model: 'ext-mini', stream: true, messages: [{ role: 'user', content }] }));
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the gateway and its upstream', () => {
  it('hangs up on the upstream when the client goes away mid-stream', async () => {
    const before = h.upstream.stats();
    const { res, destroy } = await openStream('mock:words=500 mock:delay=10');
    await new Promise((resolve) => res.once('data', resolve));
    destroy();
    await waitFor(() => h.upstream.stats().streamsAbandoned === before.streamsAbandoned + 1, 'the upstream to see the hang-up');
    expect(h.upstream.stats().streamsCompleted).toBe(before.streamsCompleted);
    const event = await h.eventFor(res.headers['x-request-id'] as string);
    expect(event).toMatchObject({ stream_end: 'client_abort', status_code: 499 });
  });

  it('stops reading the upstream while the client is not reading (backpressure), then delivers everything', async () => {
    const before = h.upstream.stats();
    const words = 60_000; // about 12 MB of SSE: far more than socket buffers hold
    const { res } = await openStream(`mock:words=${words}`);
    res.pause();
    // While the client reads nothing, the upstream must block on a full socket, not finish into our memory.
    await waitFor(() => h.upstream.stats().drainWaits > before.drainWaits, 'the upstream to be held back');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.upstream.stats().streamsCompleted).toBe(before.streamsCompleted);

    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.resume();
    await new Promise((resolve) => res.once('end', resolve));
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text.split('"content":"').length - 1).toBe(words + 1); // the role chunk's "" plus one per word
    expect(h.upstream.stats().streamsCompleted).toBe(before.streamsCompleted + 1);
  });

  it('gives up on an upstream that does not answer in time with a retryable 504', async () => {
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.activeKey}` },
      body: JSON.stringify({ model: 'ext-mini', messages: [{ role: 'user', content: 'mock:ttfb=5000' }] }),
    });
    expect(response.status).toBe(504);
    expect(response.headers.get('x-should-retry')).toBe('true');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
  });

  // Issue 9: the role-only first chunk is held back until the first content, so an upstream that
  // falls silent right after it has sent the client nothing: a plain, retryable error (and a
  // fallback when there is another deployment). Silence after content went out still ends the
  // stream with an error event: issue-9-routing-resilience.test.ts.
  it('answers a stream whose upstream falls silent before its first token with a retryable 504', async () => {
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.activeKey}` },
      body: JSON.stringify({ model: 'ext-mini', stream: true, messages: [{ role: 'user', content: 'mock:words=3 mock:delay=4000' }] }),
    });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
  });
});

describe('a stream that fails before its first byte', () => {
  it('falls back to the next deployment, since the client has seen nothing yet', async () => {
    // An upstream that says 200 and hangs up before sending a single event.
    const broken = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      setTimeout(() => res.destroy(), 20);
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const port = (broken.address() as AddressInfo).port;
    h.applySnapshot((c) => {
      c.providers.push({ id: 'prov-broken', orgId: 'org-1', name: 'Broken', type: 'openai_compatible', baseUrl: `http://127.0.0.1:${port}/v1`, credential: null, environments: [] });
      c.routes.push({
        orgId: 'org-1',
        alias: 'broken-first',
        deployments: [
          { id: 'dep-broken', providerId: 'prov-broken', upstreamModel: 'x', priority: 0, weight: 1, pricingRuleId: null, environment: '' },
          { id: 'dep-ext-2', providerId: 'prov-ext', upstreamModel: 'mock-1', priority: 1, weight: 1, pricingRuleId: 'rule-1', environment: '' },
        ],
      });
      c.routes.push({ orgId: 'org-1', alias: 'broken-only', deployments: [{ id: 'dep-broken-2', providerId: 'prov-broken', upstreamModel: 'x', priority: 0, weight: 1, pricingRuleId: null, environment: '' }] });
    });
    try {
      const send = (model: string) =>
        fetch(`${h.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${h.activeKey}` },
          body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'mock:words=4' }] }),
        });
      const recovered = await send('broken-first');
      expect(recovered.status).toBe(200);
      expect((await recovered.text()).endsWith('data: [DONE]\n\n')).toBe(true);
      expect(await h.eventFor(recovered.headers.get('x-request-id')!)).toMatchObject({ attempts: 2, provider_id: 'prov-ext', stream_end: 'done' });

      const failed = await send('broken-only');
      expect(failed.status).toBe(502);
      expect(((await failed.json()) as { error: { code: string } }).error.code).toBe('upstream_error');
      expect(await h.eventFor(failed.headers.get('x-request-id')!)).toMatchObject({ attempts: 1, status_code: 502, stream_end: 'error' });
    } finally {
      broken.close();
    }
  });
});
