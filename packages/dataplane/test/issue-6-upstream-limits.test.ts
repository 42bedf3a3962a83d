import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './dataplane-harness.ts';
import { drainedOrClosed } from '../src/mock/mock-upstream.ts';

/**
 * Issue 6, item 2: one upstream answer must not crash or stall the process. A hostile upstream
 * (a node:http server on loopback, run by this test) sends far more than the gateway's limits:
 * a JSON answer without usage, an error body, an SSE stream that never sends a blank line.
 * The client must get an OpenAI-shaped error, the upstream connection must be cut before the
 * upstream finished writing, memory must not grow with what the upstream sent, and the event
 * must record the failure.
 */
const MiB = 1024 * 1024;
const MAX_BODY_BYTES = 1 * MiB;
const MAX_SSE_EVENT_BYTES = 1 * MiB;
/** What the hostile upstream tries to send: 100x the body limit (the crash took 300 MiB). */
const HUGE_BYTES = 100 * MiB;
/** An endless SSE event: 32x the event limit, far past what socket buffers hold. */
const ENDLESS_SSE_BYTES = 32 * MiB;
/**
 * RSS growth allowed while the gateway handles 100 MiB from an upstream: the fixed gateway
 * holds about 1 MiB of it (0–6.5 MB of growth measured); the old one buffered and parsed all of
 * it (660 MB measured).
 */
const MAX_RSS_GROWTH_BYTES = 160 * MiB;

interface UpstreamRequest {
  mode: string;
  written: number;
  finished: boolean;
  closed: boolean;
}

interface HostileUpstream {
  baseUrl(mode: string): string;
  requests: UpstreamRequest[];
  close(): Promise<void>;
}

const FILL = Buffer.alloc(64 * 1024, 'a a ');

/** Writes `total` bytes (after `head`, before `tail`) with backpressure, stopping if the client hangs up. */
async function writeHuge(res: ServerResponse, seen: UpstreamRequest, head: string, total: number, tail: string): Promise<void> {
  const write = async (bytes: Buffer | string) => {
    if (seen.closed) return;
    seen.written += Buffer.byteLength(bytes);
    if (!res.write(bytes)) await drainedOrClosed(res);
  };
  await write(head);
  while (!seen.closed && seen.written + FILL.length <= total) await write(FILL);
  if (seen.closed) return;
  await write(tail);
  res.end();
}

async function startHostileUpstream(): Promise<HostileUpstream> {
  const requests: UpstreamRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const mode = (req.url ?? '/').split('/')[1] ?? '';
    const seen: UpstreamRequest = { mode, written: 0, finished: false, closed: false };
    requests.push(seen);
    res.on('finish', () => (seen.finished = true));
    res.on('close', () => (seen.closed = true));
    req.resume();
    req.on('end', () => {
      const run = async () => {
        switch (mode) {
          case 'huge-json':
          case 'huge-json-declared': {
            // A chat completion without usage whose content never ends: the gateway would
            // have to estimate its tokens too.
            const head = '{"id":"chatcmpl-huge","object":"chat.completion","created":0,"model":"huge","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"';
            const tail = '"}}]}';
            const headers: Record<string, string | number> = { 'content-type': 'application/json' };
            if (mode === 'huge-json-declared') headers['content-length'] = HUGE_BYTES + head.length + tail.length;
            res.writeHead(200, headers);
            return writeHuge(res, seen, head, HUGE_BYTES, tail);
          }
          case 'huge-error':
            res.writeHead(500, { 'content-type': 'application/json' });
            return writeHuge(res, seen, '{"error":{"type":"server_error","code":"overloaded","message":"', HUGE_BYTES, '"}}');
          case 'endless-sse':
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            return writeHuge(res, seen, 'data: {"choices":[{"index":0,"delta":{"content":"', ENDLESS_SSE_BYTES, '"}}]}\n\n');
          case 'endless-sse-midstream':
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            return writeHuge(
              res,
              seen,
              'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\ndata: {"choices":[{"index":0,"delta":{"content":"',
              ENDLESS_SSE_BYTES,
              '"}}]}\n\n',
            );
          default:
            res.writeHead(404).end();
        }
      };
      run().catch(() => res.destroy());
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: (mode) => `http://127.0.0.1:${port}/${mode}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let h: Harness;
let hostile: HostileUpstream;
const MODES = ['huge-json', 'huge-json-declared', 'huge-error', 'endless-sse', 'endless-sse-midstream'];

beforeAll(async () => {
  hostile = await startHostileUpstream();
  h = await startHarness({ UPSTREAM_MAX_BODY_BYTES: String(MAX_BODY_BYTES), UPSTREAM_MAX_SSE_EVENT_BYTES: String(MAX_SSE_EVENT_BYTES) });
  h.applySnapshot((content) => {
    for (const mode of MODES) {
      content.providers.push({ id: `prov-${mode}`, orgId: 'org-1', name: mode, type: 'openai_compatible', baseUrl: hostile.baseUrl(mode), credential: null, environments: [] });
      content.routes.push({ orgId: 'org-1', alias: mode, deployments: [{ id: `dep-${mode}`, providerId: `prov-${mode}`, upstreamModel: 'huge', priority: 0, weight: 1, pricingRuleId: null, environment: '' }] });
    }
    // An oversized answer with a healthy deployment behind it (see the fallback test).
    content.routes.push({
      orgId: 'org-1',
      alias: 'huge-json-then-ext',
      deployments: [
        { id: 'dep-huge-first', providerId: 'prov-huge-json', upstreamModel: 'huge', priority: 0, weight: 1, pricingRuleId: null, environment: '' },
        { id: 'dep-ext-second', providerId: 'prov-ext', upstreamModel: 'mock-1', priority: 1, weight: 1, pricingRuleId: 'rule-1', environment: '' },
      ],
    });
  });
  // First use of the upstream pool and these code paths costs memory of its own: not what is measured.
  const warmUp = await post('ext-mini');
  expect(warmUp.status).toBe(200);
  await warmUp.arrayBuffer();
});
afterAll(async () => {
  await h?.close();
  await hostile?.close();
});

function post(model: string, stream = false): Promise<Response> {
  return fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Say a lot.' }] }),
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs `work` while sampling this process's RSS (the data plane's process); returns the peak growth. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growthBytes: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

/** The upstream request of `mode` that is not yet accounted for, once its connection closed. */
async function upstreamSaw(mode: string, index = 0): Promise<UpstreamRequest> {
  await waitFor(() => hostile.requests.filter((r) => r.mode === mode).length > index && hostile.requests.filter((r) => r.mode === mode)[index]!.closed, `the ${mode} upstream connection to close`);
  return hostile.requests.filter((r) => r.mode === mode)[index]!;
}

function expectCutEarly(seen: UpstreamRequest, total: number): void {
  expect(seen.finished).toBe(false);
  // Socket buffers on loopback hold a few MB; the rest was never written.
  expect(seen.written).toBeLessThan(total / 2);
}

describe('upstream answers past the byte limits (issue 6)', () => {
  it('a JSON answer without usage larger than UPSTREAM_MAX_BODY_BYTES: 502 upstream_response_too_large, cut off, memory bounded', async () => {
    const { result: response, growthBytes } = await peakRssGrowth(async () => {
      const r = await post('huge-json');
      await r.clone().arrayBuffer();
      return r;
    });
    expect(response.status).toBe(502);
    expect(response.headers.get('x-should-retry')).toBe('false');
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: 'upstream_response_too_large', type: 'api_error', param: null });
    expect(String(body.error.message)).not.toContain('127.0.0.1');
    expectCutEarly(await upstreamSaw('huge-json'), HUGE_BYTES);
    expect(growthBytes).toBeLessThan(MAX_RSS_GROWTH_BYTES);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ status_code: 502, error_code: 'upstream_response_too_large', provider_id: 'prov-huge-json', attempts: 1, streamed: false });
  });

  it('a declared Content-Length past the limit is refused before the body is read', async () => {
    const response = await post('huge-json-declared');
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_response_too_large');
    expectCutEarly(await upstreamSaw('huge-json-declared'), HUGE_BYTES);
  });

  it('an oversized answer is not retried on the next deployment: the upstream already produced (and billed) it', async () => {
    const ext = h.upstream.stats().requests;
    const response = await post('huge-json-then-ext');
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_response_too_large');
    expect(h.upstream.stats().requests).toBe(ext);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ error_code: 'upstream_response_too_large', attempts: 1, provider_id: 'prov-huge-json' });
  });

  it('a huge error body: only its start is read, the connection is cut, the client gets the usual 502', async () => {
    const { result: response, growthBytes } = await peakRssGrowth(async () => {
      const r = await post('huge-error');
      await r.clone().arrayBuffer();
      return r;
    });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: 'upstream_error', type: 'api_error' });
    expect(String(body.error.message)).not.toContain('a a a');
    expectCutEarly(await upstreamSaw('huge-error'), HUGE_BYTES);
    expect(growthBytes).toBeLessThan(MAX_RSS_GROWTH_BYTES);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ status_code: 502, error_code: 'upstream_error', provider_id: 'prov-huge-error' });
  });

  it('an SSE stream that never sends a blank line: 502 before anything was relayed, connection cut', async () => {
    const response = await post('endless-sse', true);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: 'upstream_response_too_large', type: 'api_error' });
    expectCutEarly(await upstreamSaw('endless-sse'), ENDLESS_SSE_BYTES);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ status_code: 502, error_code: 'upstream_response_too_large', streamed: true, attempts: 1 });
  });

  it('an endless SSE event mid-stream: the stream ends with an OpenAI-shaped error event, connection cut', async () => {
    const response = await post('endless-sse-midstream', true);
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = text.split('\n\n').filter((e) => e.startsWith('data: '));
    expect(events[0]).toContain('"content":"Hi"');
    const last = JSON.parse(events.at(-1)!.slice(6)) as { error: Record<string, unknown> };
    expect(last.error).toMatchObject({ code: 'upstream_response_too_large', type: 'api_error' });
    expect(text.length).toBeLessThan(MAX_SSE_EVENT_BYTES);
    expectCutEarly(await upstreamSaw('endless-sse-midstream'), ENDLESS_SSE_BYTES);
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ status_code: 200, stream_end: 'error', error_code: 'upstream_response_too_large', usage_source: 'estimate' });
  });
});
