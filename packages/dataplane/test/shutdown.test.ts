import { describe, expect, it } from 'vitest';
import { startHarness } from './dataplane-harness.ts';

const streamBody = (content: string) => JSON.stringify({ model: 'relay-mini', stream: true, messages: [{ role: 'user', content }] });

describe('data plane shutdown', () => {
  it('finishes streams in flight, refuses new connections, and records every event', async () => {
    const h = await startHarness({ SHUTDOWN_GRACE_MS: '10000' });
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.activeKey}` },
      body: streamBody('mock:words=20 mock:delay=40'),
    });
    expect(response.status).toBe(200);
    const closing = h.close();
    await expect(fetch(`${h.url}/healthz`, { headers: { connection: 'close' } })).rejects.toThrow();
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    await closing;
    expect(h.events.find((e) => e.request_id === response.headers.get('x-request-id'))).toMatchObject({ stream_end: 'done' });
  });

  it('cuts streams that outlast the grace period, still recording them', async () => {
    const h = await startHarness({ SHUTDOWN_GRACE_MS: '200' });
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.activeKey}` },
      body: streamBody('mock:words=200 mock:delay=50'),
    });
    const started = Date.now();
    await h.close();
    // The stream would run 10 s; closing returns long before that because the grace period cut it.
    expect(Date.now() - started).toBeLessThan(8_000);
    await response.text().catch(() => '');
    const event = h.events.find((e) => e.request_id === response.headers.get('x-request-id'));
    expect(event).toMatchObject({ streamed: true, stream_end: 'client_abort' });
  });
});
