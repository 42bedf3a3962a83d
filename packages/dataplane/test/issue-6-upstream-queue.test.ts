import { createServer, request as httpRequest, Agent as HttpAgent, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKey, hashKey, displayPrefix } from '@proxystacks/shared/keys/key-format';
import { INTERNAL_TOKEN, KEY_SECRET, startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 6, item 3: requests queued silently behind undici's 256 connections per origin. Now a
 * gate in front of the pool admits up to UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN exchanges per
 * origin, queues the rest fairly between organisations for at most UPSTREAM_QUEUE_TIMEOUT_MS,
 * answers 503 `upstream_overloaded` with `retry-after` past that, and shows it all in /metrics.
 *
 * The upstream here is the test's own: it sends the first token of every stream at once and
 * holds the rest until the test releases it, so "how many streams got a first token" and "in
 * which order did requests reach the upstream" are facts, not timings.
 */

/** An OpenAI-style upstream that streams one token, then waits for the test to release it. */
async function startHeldUpstream() {
  const arrivals: string[] = [];
  const holds = new Map<string, () => void>();
  let releaseOnArrival = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: Array<{ content: string }> };
      const tag = body.messages.at(-1)!.content;
      arrivals.push(tag);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: 'hi' }, null));
      const finish = () => {
        holds.delete(tag);
        res.write(chunk({}, 'stop'));
        res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })}\n\n`);
        res.end('data: [DONE]\n\n');
      };
      if (releaseOnArrival) finish();
      else holds.set(tag, finish);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 120_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    arrivals,
    held: () => holds.size,
    release(tag: string) {
      const finish = holds.get(tag);
      if (finish === undefined) throw new Error(`no held stream ${tag}`);
      finish();
    },
    /** Finishes every held stream, and from now on every new one at once. */
    releaseAll() {
      releaseOnArrival = true;
      for (const finish of [...holds.values()]) finish();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
type HeldUpstream = Awaited<ReturnType<typeof startHeldUpstream>>;

/** Adds the held upstream to org-1 (alias `held`, and `held-then-mock` with a fallback) and a second organisation `org-2`. */
function addHeldRoutes(h: Harness, upstream: HeldUpstream): { orgTwoKey: string } {
  const orgTwoKey = generateKey();
  h.applySnapshot((c) => {
    c.keys.push({ id: 'key-org2', hash: hashKey(orgTwoKey, KEY_SECRET), prefix: displayPrefix(orgTwoKey), name: 'org 2', orgId: 'org-2', teamId: 'team-2', projectId: 'proj-1', environmentId: 'env-1', environment: 'production', status: 'active', expiresAt: null, allowedAliases: [], previousHash: null, previousHashExpiresAt: null });
    c.providers.push(
      { id: 'prov-held', orgId: 'org-1', name: 'Held', type: 'openai_compatible', baseUrl: upstream.baseUrl, credential: null, environments: [] },
      { id: 'prov-held-2', orgId: 'org-2', name: 'Held (org 2)', type: 'openai_compatible', baseUrl: upstream.baseUrl, credential: null, environments: [] },
      { id: 'prov-mock-2', orgId: 'org-2', name: 'Mock (org 2)', type: 'mock', baseUrl: null, credential: null, environments: [] },
    );
    c.routes.push(
      { orgId: 'org-1', alias: 'held', deployments: [{ id: 'dep-held', providerId: 'prov-held', upstreamModel: 'm', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] },
      {
        orgId: 'org-1',
        alias: 'held-then-mock',
        deployments: [
          { id: 'dep-held-f', providerId: 'prov-held', upstreamModel: 'm', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' },
          { id: 'dep-mock-f', providerId: 'prov-mock', upstreamModel: 'mock-1', priority: 1, weight: 1, pricingRuleId: 'rule-1', environment: '' },
        ],
      },
      { orgId: 'org-2', alias: 'held', deployments: [{ id: 'dep-held-2', providerId: 'prov-held-2', upstreamModel: 'm', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] },
    );
  });
  return { orgTwoKey };
}

interface OpenStream {
  readonly requestId: Promise<string>;
  readonly status: Promise<number>;
  /** Resolves when the first generated token arrived. */
  readonly firstToken: Promise<void>;
  /** Resolves with the whole body once it ended (or the connection closed). */
  readonly done: Promise<{ status: number; headers: IncomingMessage['headers']; text: string }>;
  destroy(): void;
}

/** A streaming (or, with `stream: false`, plain) chat completion over a raw HTTP client. */
function open(h: Harness, agent: HttpAgent, key: string, model: string, content: string, stream = true): OpenStream {
  let resolveFirst!: () => void;
  const firstToken = new Promise<void>((resolve) => (resolveFirst = resolve));
  let resolveId!: (id: string) => void;
  const requestId = new Promise<string>((resolve) => (resolveId = resolve));
  let resolveStatus!: (status: number) => void;
  const status = new Promise<number>((resolve) => (resolveStatus = resolve));
  const req = httpRequest(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    agent,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  });
  const done = new Promise<{ status: number; headers: IncomingMessage['headers']; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      resolveId(res.headers['x-request-id'] as string);
      resolveStatus(res.statusCode!);
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (piece: string) => {
        text += piece;
        if (text.includes('"content":"hi"')) resolveFirst();
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      res.on('aborted', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      res.on('error', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', (err) => {
      if (/aborted|socket hang up|ECONNRESET/.test(err.message)) resolve({ status: 0, headers: {}, text: '' });
      else reject(err);
    });
  });
  req.end(JSON.stringify({ model, stream, messages: [{ role: 'user', content }] }));
  return { requestId, status, firstToken, done, destroy: () => req.destroy() };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function health(h: Harness): Promise<{ upstream_in_flight?: number; upstream_queued?: number }> {
  return (await (await fetch(`${h.url}/healthz`)).json()) as { upstream_in_flight?: number; upstream_queued?: number };
}

async function metrics(h: Harness): Promise<string> {
  return (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${INTERNAL_TOKEN}` } })).text();
}

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(env: Record<string, string>) {
  const h = await startHarness(env);
  const upstream = await startHeldUpstream();
  const agent = new HttpAgent({ keepAlive: true, maxSockets: Infinity });
  cleanup.push(() => h.close(), () => upstream.close(), () => agent.destroy());
  const { orgTwoKey } = addHeldRoutes(h, upstream);
  return { h, upstream, agent, orgTwoKey };
}

describe('issue 6: upstream connections per origin (bounded, fair, visible)', () => {
  it('gives every one of 2,000 concurrent slow streams its first token (not only the first 256)', async () => {
    const { h, upstream, agent, orgTwoKey } = await setUp({});
    const count = 2_000;
    const startedAt = performance.now();
    const streams: OpenStream[] = [];
    let firstTokens = 0;
    for (let i = 0; i < count; i++) {
      const s = open(h, agent, h.activeKey, 'held', `s${i}`);
      void s.firstToken.then(() => firstTokens++);
      streams.push(s);
    }
    // Old code: 256 streams get their token, the others wait for one of them to finish.
    await waitFor(() => firstTokens === count, () => `all ${count} first tokens (got ${firstTokens}; the upstream saw ${upstream.arrivals.length} requests)`, 90_000);
    const allFirstTokensMs = Math.round(performance.now() - startedAt);
    expect(upstream.held()).toBe(count);
    expect((await health(h)).upstream_in_flight).toBe(count);
    // Another organisation's one request gets its token while all 2,000 are still held open.
    const otherStartedAt = performance.now();
    const other = open(h, agent, orgTwoKey, 'held', 'other org');
    await other.firstToken;
    const otherFirstTokenMs = Math.round(performance.now() - otherStartedAt);
    expect(upstream.held()).toBe(count + 1);
    upstream.releaseAll();
    streams.push(other);
    const results = await Promise.all(streams.map((s) => s.done));
    expect(results.every((r) => r.status === 200 && r.text.endsWith('data: [DONE]\n\n'))).toBe(true);
    await waitFor(async () => (await health(h)).upstream_in_flight === 0, 'every slot to be released');
    console.info(`issue-6: ${count} concurrent streams all had their first token after ${allFirstTokensMs} ms; another organisation's request then had its own after ${otherFirstTokenMs} ms (test process RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB)`);
  }, 180_000);

  it('admits another organisation’s single request before the queue of a busy one, and keeps each queue FIFO', async () => {
    const { h, upstream, agent, orgTwoKey } = await setUp({
      UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN: '4',
      UPSTREAM_MAX_CONNECTIONS_PER_ORG: '4',
      UPSTREAM_QUEUE_TIMEOUT_MS: '120000',
    });
    const streams: OpenStream[] = [];
    for (let i = 0; i < 4; i++) streams.push(open(h, agent, h.activeKey, 'held', `a${i}`));
    await waitFor(() => upstream.held() === 4, 'org-1 to fill the origin');
    // One at a time, so the queue's order is the order they were sent in.
    for (let i = 4; i < 14; i++) {
      streams.push(open(h, agent, h.activeKey, 'held', `a${i}`));
      await waitFor(async () => (await health(h)).upstream_queued === i - 3, `a${i} to queue`);
    }
    const b = open(h, agent, orgTwoKey, 'held', 'b0');
    await waitFor(async () => (await health(h)).upstream_queued === 11, 'b0 to queue');

    const text = await metrics(h);
    expect(text).toContain(`relay_upstream_in_flight{origin="${upstream.origin}"} 4`);
    expect(text).toContain(`relay_upstream_queued{origin="${upstream.origin}"} 11`);

    upstream.release('a0');
    await waitFor(() => upstream.arrivals.length === 5, 'the freed slot to be given out');
    expect(upstream.arrivals[4]).toBe('b0');
    upstream.release('a1');
    await waitFor(() => upstream.arrivals.length === 6, 'the next slot');
    expect(upstream.arrivals[5]).toBe('a4');

    upstream.releaseAll();
    const results = await Promise.all([...streams, b].map((s) => s.done));
    expect(results.map((r) => r.status)).toEqual(new Array(15).fill(200));
    expect(upstream.arrivals).toEqual(['a0', 'a1', 'a2', 'a3', 'b0', ...Array.from({ length: 10 }, (_, i) => `a${i + 4}`)]);
    const event = await h.eventFor(await b.requestId);
    expect(event).toMatchObject({ org_id: 'org-2', status_code: 200, error_code: '' });
  }, 120_000);

  it('answers 503 upstream_overloaded with retry-after when the wait times out or the queue is full, and records it', async () => {
    const { h, upstream, agent } = await setUp({
      UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN: '1',
      UPSTREAM_MAX_CONNECTIONS_PER_ORG: '1',
      UPSTREAM_QUEUE_MAX_PER_ORIGIN: '1',
      UPSTREAM_QUEUE_TIMEOUT_MS: '3000',
    });
    const holder = open(h, agent, h.activeKey, 'held', 'holder');
    await holder.firstToken;
    const waiting = open(h, agent, h.activeKey, 'held', 'waits', false);
    await waitFor(async () => (await health(h)).upstream_queued === 1, 'the second request to queue');
    // The queue holds one: a third request is refused at once.
    const refused = await open(h, agent, h.activeKey, 'held', 'refused', false).done;
    // The second one waited its 3 s and was refused too.
    const timedOut = await waiting.done;
    for (const r of [refused, timedOut]) {
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBe('1');
      expect(r.headers['x-should-retry']).toBe('true');
      const body = JSON.parse(r.text) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({ type: 'api_error', code: 'upstream_overloaded', param: null });
      expect(String(body.error.message)).not.toContain('127.0.0.1');
    }
    expect(upstream.arrivals).toEqual(['holder']);
    const event = await h.eventFor(timedOut.headers['x-request-id'] as string);
    expect(event).toMatchObject({ status_code: 503, error_code: 'upstream_overloaded', provider_id: 'prov-held', attempts: 1 });

    // With another deployment on another origin, a busy origin is a failed attempt (no queueing) and the fallback answers.
    const fallback = await open(h, agent, h.activeKey, 'held-then-mock', 'falls back', false).done;
    expect(fallback.status).toBe(200);
    const fallbackEvent = await h.eventFor(fallback.headers['x-request-id'] as string);
    expect(fallbackEvent).toMatchObject({ status_code: 200, error_code: '', provider_id: 'prov-mock', attempts: 2 });

    const text = await metrics(h);
    expect(text).toContain(`relay_upstream_queue_rejections_total{origin="${upstream.origin}",reason="timeout"} 1`);
    expect(text).toContain(`relay_upstream_queue_rejections_total{origin="${upstream.origin}",reason="busy"} 1`);
    expect(text).toContain(`relay_upstream_queue_rejections_total{origin="${upstream.origin}",reason="queue_full"} 1`);
    expect(text).toMatch(new RegExp(`relay_upstream_queue_wait_seconds_count\\{origin="${upstream.origin.replace(/[.]/g, '\\.')}"\\} 1\\b`));

    upstream.releaseAll();
    expect((await holder.done).status).toBe(200);
    await waitFor(async () => (await health(h)).upstream_in_flight === 0, 'the slot to be released');
  }, 60_000);

  it('releases every slot after a mix of successes, upstream errors, cut streams, timeouts, client aborts and refusals', async () => {
    const { h, upstream, agent } = await setUp({
      UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN: '3',
      UPSTREAM_MAX_CONNECTIONS_PER_ORG: '3',
      UPSTREAM_QUEUE_MAX_PER_ORIGIN: '20',
      UPSTREAM_QUEUE_TIMEOUT_MS: '5000',
      UPSTREAM_TIMEOUT_MS: '1000',
    });
    upstream.releaseAll();
    const contents = [
      'mock:words=5',
      'mock:words=200 mock:delay=2',
      'mock:fail=500',
      'mock:fail=400',
      'mock:cut-after=3',
      'mock:ttfb=3000',
      'mock:words=3 mock:no-usage',
    ];
    const all: Array<Promise<unknown>> = [];
    const abortLater: OpenStream[] = [];
    for (let i = 0; i < 42; i++) {
      const content = contents[i % contents.length]!;
      const s = open(h, agent, h.activeKey, 'ext-mini', content, i % 2 === 0);
      if (i % 5 === 0) abortLater.push(s);
      all.push(s.done);
    }
    for (let i = 0; i < 6; i++) all.push(open(h, agent, h.activeKey, 'held', `held${i}`).done);
    // Some clients hang up: while streaming, while waiting for headers, or while queued.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const s of abortLater) s.destroy();
    await Promise.all(all);
    await waitFor(async () => {
      const load = await health(h);
      return load.upstream_in_flight === 0 && load.upstream_queued === 0;
    }, 'the gate to be empty', 20_000);
    expect(h.upstream.stats().requests).toBeGreaterThan(0);
  }, 60_000);
});
