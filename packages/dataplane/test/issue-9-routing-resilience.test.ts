import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigSnapshotInput } from '@proxystacks/shared/snapshot/config-snapshot';
import { INTERNAL_TOKEN, startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 9, routing and resilience, end to end: a real data plane on loopback, the harness's mock
 * provider (`prov-ext`, always answers) as the healthy deployment, and a node:http upstream of
 * this file whose first path segment says how it fails (hang, 500, 429, a stream broken before
 * its first token, silence after content, a switchable one for the breaker, a slow one).
 */
const FIRST_TOKEN_TIMEOUT_MS = 1_500;

type Mode = 'hang' | 'fail500' | 'fail429' | 'broken' | 'silent' | 'toggle' | 'slow' | 'ok';
const hits: Record<string, number> = {};
let toggleDown = true;

function answer(req: IncomingMessage, res: ServerResponse, body: { stream?: boolean }): void {
  if (body.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.end(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'hi' }) + chunk({}, 'stop') + 'data: [DONE]\n\n');
  void req;
}

const failing = createServer((req, res) => {
  const mode = (req.url ?? '').split('/')[1] as Mode;
  hits[mode] = (hits[mode] ?? 0) + 1;
  let raw = '';
  req.on('data', (c: Buffer) => (raw += c.toString()));
  req.on('end', () => {
    const body = JSON.parse(raw) as { stream?: boolean };
    const role = `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`;
    switch (mode) {
      case 'hang':
        return; // never answers; torn down by the gateway's first-token deadline
      case 'fail500':
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom","type":"server_error"}}');
        return;
      case 'fail429':
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' }).end('{"error":{"message":"slow down","type":"rate_limit_error"}}');
        return;
      case 'broken':
        // 200, the role-only chunk, then the connection drops before the first token.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(role, () => setTimeout(() => res.destroy(), 20));
        return;
      case 'silent':
        // Content goes out, then nothing more: the idle limit cuts it.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(role + `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: 'half' }, finish_reason: null }] })}\n\n`);
        return;
      case 'toggle':
        if (toggleDown) res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"down","type":"server_error"}}');
        else answer(req, res, body);
        return;
      case 'slow':
        setTimeout(() => answer(req, res, body), 150);
        return;
      default:
        answer(req, res, body);
    }
  });
});

let h: Harness;
/** A second data plane with breakers off and a tight retry budget, for the storm. */
let storm: Harness;
let base = '';

function withRoutes(c: ConfigSnapshotInput): void {
  for (const mode of ['hang', 'fail500', 'fail429', 'broken', 'silent', 'toggle', 'slow', 'ok'] as const) {
    c.providers.push({ id: `prov-${mode}`, orgId: 'org-1', name: mode, type: 'openai_compatible', baseUrl: `${base}/${mode}/v1`, credential: null, environments: [] });
  }
  const route = (alias: string, deployments: Array<[string, string, number, number, string | null]>, strategy?: 'fallback' | 'weighted' | 'least_latency' | 'lowest_cost') =>
    c.routes.push({
      orgId: 'org-1',
      alias,
      ...(strategy ? { strategy } : {}),
      deployments: deployments.map(([id, providerId, priority, weight, pricingRuleId]) => ({ id, providerId, upstreamModel: 'm', priority, weight, pricingRuleId, environment: '' })),
    });
  // Each failure mode first, the mock second. Deployment ids are distinct, so each has its own breaker.
  route('refused-first', [['d-refused', 'prov-down', 0, 1, null], ['d-ok-1', 'prov-ext', 1, 1, 'rule-1']]);
  for (const mode of ['hang', 'fail500', 'fail429', 'broken', 'silent'] as const) route(`${mode}-first`, [[`d-${mode}`, `prov-${mode}`, 0, 1, null], [`d-ok-${mode}`, 'prov-ext', 1, 1, 'rule-1']]);
  route('hang-then-ok', [['d-hang-2', 'prov-hang', 0, 1, null], ['d-ok-hang-2', 'prov-ext', 1, 1, 'rule-1']]);
  route('toggle-only', [['d-toggle-solo', 'prov-toggle', 0, 1, null]]);
  route('toggle-first', [['d-toggle', 'prov-toggle', 0, 1, null], ['d-ok-toggle', 'prov-ext', 1, 1, 'rule-1']]);
  route('storm', [['d-storm', 'prov-fail500', 0, 1, null], ['d-ok-storm', 'prov-ext', 1, 1, 'rule-1']]);
  c.pricingRules.push({ id: 'rule-cheap', version: 1, inputMicrosPerMTok: 1_000, outputMicrosPerMTok: 1_000, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null });
  // Strategies: the first deployment is what `fallback` would pick; each strategy picks otherwise.
  route('by-cost', [['d-cost-dear', 'prov-ok', 0, 1, 'rule-1'], ['d-cost-cheap', 'prov-ext', 1, 1, 'rule-cheap']], 'lowest_cost');
  route('by-weight', [['d-weight-0', 'prov-ok', 0, 0, null], ['d-weight-1', 'prov-ext', 1, 1, 'rule-1']], 'weighted');
  route('by-latency', [['d-lat-slow', 'prov-slow', 0, 1, null], ['d-lat-fast', 'prov-ext', 1, 1, 'rule-1']], 'least_latency');
}

beforeAll(async () => {
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
  [h, storm] = await Promise.all([
    startHarness({
      UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: String(FIRST_TOKEN_TIMEOUT_MS),
      UPSTREAM_IDLE_TIMEOUT_MS: '1000',
      UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '2',
      UPSTREAM_BREAKER_EJECTION_MS: '300',
    }),
    startHarness({ UPSTREAM_RETRY_BUDGET_PERCENT: '20', UPSTREAM_RETRY_MIN_PER_SECOND: '1' }),
  ]);
  h.applySnapshot(withRoutes);
  storm.applySnapshot(withRoutes);
}, 60_000);
afterAll(async () => {
  await Promise.all([h?.close(), storm?.close()]);
  failing.close();
});

async function send(model: string, stream = false, target: Harness = h) {
  const response = await fetch(`${target.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.activeKey}` },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Hello mock:words=3' }] }),
  });
  const text = await response.text();
  const event = await target.eventFor(response.headers.get('x-request-id')!);
  return { status: response.status, headers: response.headers, text, event };
}

async function breakerState(deploymentId: string): Promise<number | null> {
  const metrics = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${INTERNAL_TOKEN}` } })).text();
  const line = metrics.split('\n').find((l) => l.startsWith('relay_upstream_breaker_state{') && l.includes(`deployment_id="${deploymentId}"`));
  return line === undefined ? null : Number(line.split(' ').at(-1));
}

describe('the first deployment fails, the second answers', () => {
  it.each([
    ['refused connection', 'refused-first', false, 'upstream_error'],
    ['hang (first-token timeout)', 'hang-first', false, 'upstream_timeout'],
    ['5xx', 'fail500-first', false, 'upstream_error'],
    ['429 with a long retry-after', 'fail429-first', false, 'upstream_rate_limited'],
    ['stream broken before its first token (after the role chunk)', 'broken-first', true, 'upstream_error'],
  ])('%s', async (_what, alias, stream) => {
    const { status, text, event } = await send(alias, stream);
    expect(status).toBe(200);
    if (stream) {
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      // One role chunk only: the broken upstream's was never sent.
      expect(text.split('"role":"assistant"').length - 1).toBe(1);
    }
    expect(event).toMatchObject({ attempts: 2, provider_id: 'prov-ext', status_code: 200, error_code: '' });
  });

  it('names the timed-out phase (first_token) when no other deployment is left', async () => {
    h.applySnapshot((c) => c.routes.push({ orgId: 'org-1', alias: 'hang-only', deployments: [{ id: 'd-hang-only', providerId: 'prov-hang', upstreamModel: 'm', priority: 0, weight: 1, pricingRuleId: null, environment: '' }] }));
    const alone = await send('hang-only');
    expect(alone.status).toBe(504);
    expect(JSON.parse(alone.text)).toMatchObject({ error: { code: 'upstream_timeout', message: `The upstream provider sent no first token within ${FIRST_TOKEN_TIMEOUT_MS} ms.` } });
    expect(alone.event).toMatchObject({ error_code: 'upstream_timeout', upstream_error_code: 'timeout_first_token' });
    expect(alone.event.latency_ms).toBeGreaterThanOrEqual(FIRST_TOKEN_TIMEOUT_MS - 50);
  });

  it('after content went out, silence ends the stream with a terminal error event, never a clean close', async () => {
    const { status, text, event } = await send('silent-first', true);
    expect(status).toBe(200);
    expect(text).toContain('"content":"half"');
    expect(text).toContain('"code":"upstream_stream_interrupted"');
    expect(text).not.toContain('[DONE]');
    expect(event).toMatchObject({ attempts: 1, stream_end: 'error', provider_id: 'prov-silent' });
  });
});

describe('circuit breaker', () => {
  it('skips a tripped deployment at once, without waiting for its timeout', async () => {
    // UPSTREAM_BREAKER_CONSECUTIVE_FAILURES=2: two hangs trip it.
    for (let i = 0; i < 2; i++) expect((await send('hang-then-ok')).event).toMatchObject({ attempts: 2, provider_id: 'prov-ext' });
    expect(await breakerState('d-hang-2')).toBe(2);
    const before = hits.hang ?? 0;
    const { event } = await send('hang-then-ok');
    expect(event).toMatchObject({ attempts: 1, provider_id: 'prov-ext', status_code: 200 });
    expect(hits.hang ?? 0).toBe(before); // the dead upstream was not even contacted
    // The old loop waited the whole first-token limit (1500 ms) here; skipping takes a few ms.
    expect(event.latency_ms).toBeLessThan(FIRST_TOKEN_TIMEOUT_MS / 2);
  });

  it('fails fast with upstream_unavailable and a retry-after when the only deployment is open', async () => {
    toggleDown = true;
    for (let i = 0; i < 2; i++) expect((await send('toggle-only')).status).toBe(502);
    const before = hits.toggle ?? 0;
    const { status, headers, text, event } = await send('toggle-only');
    expect(status).toBe(503);
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_unavailable', type: 'api_error' } });
    expect(event).toMatchObject({ status_code: 503, error_code: 'upstream_unavailable', attempts: 0 });
    expect(hits.toggle ?? 0).toBe(before);
  });

  it('recovers through a half-open probe once the provider is back', async () => {
    toggleDown = true;
    for (let i = 0; i < 2; i++) await send('toggle-first');
    expect(await breakerState('d-toggle')).toBe(2);
    toggleDown = false;
    // Waits for the ejection (300 ms) to pass: the first request after it probes the deployment.
    let recovered = null;
    for (let i = 0; i < 400 && recovered === null; i++) {
      const { event } = await send('toggle-first');
      if (event.provider_id === 'prov-toggle') recovered = event;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(recovered).toMatchObject({ attempts: 1, status_code: 200 });
    expect(await breakerState('d-toggle')).toBe(0);
    expect((await send('toggle-first')).event).toMatchObject({ provider_id: 'prov-toggle', attempts: 1 });
  });
});

describe('retry budget', () => {
  it('caps a storm: with every first attempt failing, about 20 % of requests fall back, not all', async () => {
    const requests = 60;
    const startedAt = Date.now();
    const results = [];
    for (let batch = 0; batch < requests / 10; batch++) results.push(...(await Promise.all(Array.from({ length: 10 }, () => send('storm', false, storm)))));
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    const extra = results.reduce((sum, r) => sum + r.event.attempts, 0) - requests;
    // 0.2 × 60 = 12 from the deposits, plus 1 per second elapsed (UPSTREAM_RETRY_MIN_PER_SECOND=1) and the first second's.
    expect(extra).toBeLessThanOrEqual(12 + 1 + Math.ceil(elapsedSeconds));
    expect(extra).toBeGreaterThanOrEqual(10);
    expect(results.filter((r) => r.status === 502).length).toBe(requests - extra);
    const metrics = await (await fetch(`${storm.url}/metrics`, { headers: { authorization: `Bearer ${INTERNAL_TOKEN}` } })).text();
    expect(Number(metrics.split('\n').find((l) => l.startsWith('relay_upstream_retries_refused '))!.split(' ')[1])).toBe(requests - extra);
  });
});

describe('strategies', () => {
  it('lowest_cost takes the cheaper deployment, though it has the lower priority', async () => {
    for (let i = 0; i < 3; i++) expect((await send('by-cost')).event).toMatchObject({ provider_id: 'prov-ext', pricing_rule_id: 'rule-cheap', attempts: 1 });
  });

  it('weighted ignores priorities: a weight-0 deployment of priority 0 is only a last resort', async () => {
    for (let i = 0; i < 5; i++) expect((await send('by-weight')).event).toMatchObject({ provider_id: 'prov-ext', attempts: 1 });
  });

  it('least_latency measures each deployment once, then keeps to the faster', async () => {
    // Neither measured: priority order. Then the unmeasured one. Then the faster of the two.
    expect((await send('by-latency', true)).event.provider_id).toBe('prov-slow');
    expect((await send('by-latency', true)).event.provider_id).toBe('prov-ext');
    for (let i = 0; i < 3; i++) expect((await send('by-latency', true)).event.provider_id).toBe('prov-ext');
  });
});
