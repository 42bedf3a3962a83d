import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postAndHangUpAfterFirstChunk, startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 6, item 1: estimating the tokens of a long prompt without spaces froze the event loop
 * (gpt-tokenizer is quadratic on one long pre-token: 250 KB took 55 s). The estimate runs when
 * a provider reports no usage, when the upstream breaks a stream off and when the client hangs
 * up mid-stream. Each path is driven here through the real data plane with a 250 KB prompt of
 * random letters, while the event loop's delay is measured in this process, which is the data
 * plane's (and the mock upstream's, which counts the same prompt for its usage).
 *
 * Bound: with the fixed estimator the loop's longest stall measured 26–83 ms here (parsing the
 * 250 KB body, the estimator's slices of a few ms); the test allows 2 s, far below the 55 s
 * the old code blocked for.
 */
const MAX_LOOP_DELAY_MS = 2_000;
const PROMPT_CHARS = 250_000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  // Loading the tokenizer's tables (once per process, ~0.2 s) is not what is measured here.
  const warmUp = await post({ model: 'relay-mini', messages: [{ role: 'user', content: 'warm up mock:no-usage' }] });
  expect(warmUp.status).toBe(200);
  await h.eventFor(warmUp.headers.get('x-request-id')!);
});
afterAll(async () => {
  await h?.close();
});

function randomLetters(chars: number): string {
  const bytes = Buffer.allocUnsafe(chars);
  for (let i = 0; i < chars; i++) bytes[i] = 97 + Math.floor(Math.random() * 26);
  return bytes.toString('latin1');
}

/** A prompt without a single space for 250 KB, then the mock's directives. */
const hostilePrompt = (directives: string) => `${randomLetters(PROMPT_CHARS)} ${directives}`;

async function withLoopDelay<T>(run: () => Promise<T>): Promise<{ result: T; maxDelayMs: number }> {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await run();
    return { result, maxDelayMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

function post(body: unknown): Promise<Response> {
  return fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Random lowercase letters are about 0.52 o200k tokens per character. */
function expectPlausiblePromptEstimate(promptTokens: number): void {
  expect(promptTokens).toBeGreaterThan(PROMPT_CHARS * 0.45);
  expect(promptTokens).toBeLessThan(PROMPT_CHARS * 0.6);
}

describe('token estimation on a 250 KB prompt without spaces (issue 6)', () => {
  it('a JSON answer without usage: estimated, and the event loop stays responsive', async () => {
    const { result: requestId, maxDelayMs } = await withLoopDelay(async () => {
      const response = await post({ model: 'relay-mini', messages: [{ role: 'user', content: hostilePrompt('mock:no-usage') }] });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      const id = response.headers.get('x-request-id')!;
      await h.eventFor(id);
      return id;
    });
    const event = await h.eventFor(requestId);
    expect(event.usage_source).toBe('estimate');
    expectPlausiblePromptEstimate(event.prompt_tokens);
    expect(maxDelayMs).toBeLessThan(MAX_LOOP_DELAY_MS);
  });

  it('a stream the upstream breaks off: estimated, and the event loop stays responsive', async () => {
    const { result: requestId, maxDelayMs } = await withLoopDelay(async () => {
      const response = await post({ model: 'relay-mini', stream: true, messages: [{ role: 'user', content: hostilePrompt('mock:cut-after=2') }] });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('upstream_stream_interrupted');
      const id = response.headers.get('x-request-id')!;
      await h.eventFor(id);
      return id;
    });
    const event = await h.eventFor(requestId);
    expect(event).toMatchObject({ usage_source: 'estimate', stream_end: 'error' });
    expectPlausiblePromptEstimate(event.prompt_tokens);
    expect(maxDelayMs).toBeLessThan(MAX_LOOP_DELAY_MS);
  });

  it('a client that hangs up mid-stream: estimated, and the event loop stays responsive', async () => {
    const { result: requestId, maxDelayMs } = await withLoopDelay(async () => {
      const id = await postAndHangUpAfterFirstChunk(h.url, h.activeKey, { model: 'relay-mini', stream: true, messages: [{ role: 'user', content: hostilePrompt('mock:words=5000 mock:delay=5') }] });
      await h.eventFor(id);
      return id;
    });
    const event = await h.eventFor(requestId);
    expect(event.usage_source).toBe('estimate');
    expectPlausiblePromptEstimate(event.prompt_tokens);
    expect(maxDelayMs).toBeLessThan(MAX_LOOP_DELAY_MS);
  });

  it('a stream the upstream breaks off: estimated, and the event loop stays responsive', async () => {
    const { result: requestId, maxDelayMs } = await withLoopDelay(async () => {
      const response = await post({ model: 'relay-mini', stream: true, messages: [{ role: 'user', content: hostilePrompt('mock:cut-after=2') }] });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('upstream_stream_interrupted');
      const id = response.headers.get('x-request-id')!;
      await h.eventFor(id);
      return id;
    });
    const event = await h.eventFor(requestId);
    expect(event).toMatchObject({ usage_source: 'estimate', stream_end: 'error' });
    expectPlausiblePromptEstimate(event.prompt_tokens);
    expect(maxDelayMs).toBeLessThan(MAX_LOOP_DELAY_MS);
  });

  it('a client that hangs up mid-stream: estimated, and the event loop stays responsive', async () => {
    const { result: requestId, maxDelayMs } = await withLoopDelay(async () => {
      const id = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(`${h.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json' },
        });
        req.on('response', (res) => {
          res.once('data', () => {
            req.destroy();
            resolve(res.headers['x-request-id'] as string);
          });
        });
        req.on('error', (err) => {
          if (!/aborted|socket hang up|ECONNRESET/.test(err.message)) reject(err);
        });
        req.end(JSON.stringify({ model: 'relay-mini', stream: true, messages: [{ role: 'user', content: hostilePrompt('mock:words=5000 mock:delay=5') }] }));
      });
      await h.eventFor(id);
      return id;
    });
    const event = await h.eventFor(requestId);
    expect(event).toMatchObject({ usage_source: 'estimate', stream_end: 'client_abort', status_code: 499 });
    expectPlausiblePromptEstimate(event.prompt_tokens);
    expect(maxDelayMs).toBeLessThan(MAX_LOOP_DELAY_MS);
  });
});
