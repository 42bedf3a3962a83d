import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { constants as h2, createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { HostResolver } from '@proxystacks/shared/net/host-resolver';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 11: HTTP/2 to upstreams that offer it, per provider. The upstream here is a loopback
 * node:http2 TLS server (certificate made for the test by openssl) that also speaks HTTP/1.1,
 * and records, for every chat completion it serves, the HTTP version and which connection
 * (h2 session or TLS socket) carried it. The data plane trusts the test's certificate through
 * a code-only option; certificate verification stays on. A second TLS upstream speaks HTTP/1.1
 * only (ALPN fallback).
 *
 * What the upstream does with a chat completion depends on its last message (the tag):
 * `stall-*` streams one chunk and then nothing; `reset-*` streams one chunk and resets the h2
 * stream (RST_STREAM); `drop-*` gets no answer, and once `dropAfter` of them arrived the
 * connection that carries them is dropped (or, with `goaway`, closed gracefully by a GOAWAY);
 * anything else is answered (streams held until `holdUntil` says so). A completion for the
 * upstream model `silent` is never answered at all, whatever its tag.
 */

interface Seen {
  httpVersion: string;
  connection: object;
  tag: string;
}

/** How the upstream saw one of its h2 streams close. */
interface StreamClose {
  /** The upstream had not finished the answer: the data plane (or the upstream itself) reset the stream. */
  endedByUpstream: boolean;
  /** The h2 session was still up after the stream closed: a stream reset, not a dropped connection. */
  sessionAlive: boolean;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl for this run. */
function makeCertificate(dir: string): { key: Buffer; cert: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=relay-test-upstream', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

/** A promise and the function that settles it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };
const lastChunks = () => `${chunk({}, 'stop')}data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage })}\n\n`;

/** An OpenAI-style upstream over TLS (h2 and HTTP/1.1): streams hold after their first chunk until `releaseWhen` says so. */
async function startTlsUpstream(certificate: { key: Buffer; cert: string }) {
  const seen: Seen[] = [];
  const held: Array<() => void> = [];
  let releaseWhen: (heldCount: number) => boolean = () => true;
  const closes = new Map<string, ReturnType<typeof deferred<StreamClose>>>();
  const closeOf = (tag: string) => closes.get(tag) ?? closes.set(tag, deferred<StreamClose>()).get(tag)!;
  let dropAfter = Infinity;
  let dropHow: 'socket' | 'goaway' = 'socket';
  const dropping: Http2ServerRequest[] = [];
  const sessions = new Set<ServerHttp2Session>();
  const sockets = new Set<Socket>();
  let connectionsOpened = 0;
  const server: Http2SecureServer = createSecureServer({ ...certificate, allowHTTP1: true }, (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string; stream?: boolean; messages: Array<{ content: string }> };
      const silent = body.model === 'silent';
      const tag = silent ? `${body.messages.at(-1)!.content}@silent` : body.messages.at(-1)!.content;
      seen.push({ httpVersion: req.httpVersion, connection: req.httpVersion === '2.0' ? req.stream.session! : req.socket, tag });
      if (req.httpVersion === '2.0') {
        const session = req.stream.session!;
        req.stream.once('close', () => closeOf(tag).resolve({ endedByUpstream: res.writableEnded, sessionAlive: !session.destroyed && !session.closed }));
      }
      if (silent) return;
      if (tag.startsWith('drop-')) {
        dropping.push(req);
        // Every one of them reached the upstream and none is answered: drop their TLS connections
        // (the socket itself, no GOAWAY: as when a network path or an upstream process dies), or
        // send a GOAWAY (as an upstream that restarts does).
        if (dropping.length >= dropAfter) {
          const cut = dropping.splice(0);
          if (dropHow === 'goaway') for (const session of new Set(cut.map((r) => r.stream.session!))) session.goaway(h2.NGHTTP2_NO_ERROR);
          const ports = new Set(cut.map((r) => r.stream.session!.socket.remotePort));
          if (dropHow === 'socket') for (const socket of sockets) if (ports.has(socket.remotePort)) socket.destroy();
        }
        return;
      }
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: `hi ${tag}` }, finish_reason: 'stop' }], usage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (tag.startsWith('stall-')) {
        res.write(chunk({ role: 'assistant', content: `hi ${tag}` }, null));
        return;
      }
      if (tag.startsWith('reset-')) {
        res.write(chunk({ role: 'assistant', content: `hi ${tag}` }, null), () => req.stream.close(h2.NGHTTP2_INTERNAL_ERROR));
        return;
      }
      res.write(chunk({ role: 'assistant', content: `hi ${tag}` }, null));
      held.push(() => res.end(`${lastChunks()}data: [DONE]\n\n`));
      if (releaseWhen(held.length)) for (const finish of held.splice(0)) finish();
    });
  });
  server.on('session', (session: ServerHttp2Session) => sessions.add(session));
  server.on('secureConnection', (socket: Socket) => {
    connectionsOpened++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    baseUrl: `https://127.0.0.1:${port}/v1`,
    seen,
    /** TLS connections accepted so far. */
    connectionsOpened: () => connectionsOpened,
    /** Streams finish once this says so (given how many are held), checked as each one arrives. */
    holdUntil(condition: (heldCount: number) => boolean) {
      releaseWhen = condition;
    },
    /** How the h2 stream of the completion tagged `tag` closed, once it has. */
    closeOf: (tag: string) => closeOf(tag).promise,
    /** Drop the connections of the `drop-*` completions once this many are waiting: their sockets, or by a GOAWAY. */
    dropAfter(count: number, how: 'socket' | 'goaway') {
      dropAfter = count;
      dropHow = how;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An upstream over TLS that speaks HTTP/1.1 only; streams hold until `heldTarget` of them are open. */
async function startTlsHttp1Upstream(certificate: { key: Buffer; cert: string }) {
  const seen: Array<{ httpVersion: string; connection: object; tag: string }> = [];
  const held: Array<() => void> = [];
  let heldTarget = 1;
  const server: HttpsServer = createHttpsServer(certificate, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const tag = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: Array<{ content: string }> }).messages.at(-1)!.content;
      seen.push({ httpVersion: req.httpVersion, connection: req.socket, tag });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: `hi ${tag}` }, null));
      held.push(() => res.end(`${lastChunks()}data: [DONE]\n\n`));
      if (held.length >= heldTarget) for (const finish of held.splice(0)) finish();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    baseUrl: `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    seen,
    holdUntilOpen(count: number) {
      heldTarget = count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Upstream host names: `localhost` resolves to the cloud metadata address (DNS rebinding), nothing else resolves. */
const rebindingResolver: HostResolver = async (hostName) => {
  if (hostName === 'localhost') return [{ address: '169.254.169.254', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostName}`), { code: 'ENOTFOUND' });
};

describe('HTTP/2 to upstreams, per provider (issue 11)', () => {
  let dir: string;
  let upstream: Awaited<ReturnType<typeof startTlsUpstream>>;
  let http1Upstream: Awaited<ReturnType<typeof startTlsHttp1Upstream>>;
  let h: Harness;
  /** A second data plane with short idle and first-token limits, same upstream. */
  let hIdle: Harness;
  const IDLE_TIMEOUT_MS = 400;
  // Long enough for a loaded box to send a streamed answer's first chunk; short enough to wait for.
  const FIRST_TOKEN_TIMEOUT_MS = 1_500;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-h2-'));
    const certificate = makeCertificate(dir);
    [upstream, http1Upstream] = await Promise.all([startTlsUpstream(certificate), startTlsHttp1Upstream(certificate)]);
    [h, hIdle] = await Promise.all([
      startHarness({}, { upstreamCa: [certificate.cert], resolveUpstreamHost: rebindingResolver }),
      startHarness({ UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS), UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: String(FIRST_TOKEN_TIMEOUT_MS) }, { upstreamCa: [certificate.cert] }),
    ]);
    for (const harness of [h, hIdle]) {
      harness.applySnapshot((c) => {
        c.providers.push(
          { id: 'prov-h2', orgId: 'org-1', name: 'TLS upstream, h2 auto', type: 'openai_compatible', baseUrl: upstream.baseUrl, credential: null, environments: [], http2: 'auto' },
          { id: 'prov-h1', orgId: 'org-1', name: 'TLS upstream, h2 off', type: 'openai_compatible', baseUrl: upstream.baseUrl, credential: null, environments: [], http2: 'off' },
          { id: 'prov-h1-only', orgId: 'org-1', name: 'TLS upstream without h2, h2 auto', type: 'openai_compatible', baseUrl: http1Upstream.baseUrl, credential: null, environments: [], http2: 'auto' },
          { id: 'prov-rebind', orgId: 'org-1', name: 'TLS upstream by name, h2 auto', type: 'openai_compatible', baseUrl: `https://localhost:${upstream.port}/v1`, credential: null, environments: [], http2: 'auto' },
        );
        const route = (alias: string, providerId: string) => c.routes.push({ orgId: 'org-1', alias, deployments: [{ id: `dep-${alias}`, providerId, upstreamModel: 'm', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] });
        route('over-h2', 'prov-h2');
        route('over-h1', 'prov-h1');
        route('h1-only', 'prov-h1-only');
        route('rebind', 'prov-rebind');
        // A deployment that never answers, then one that does: both over h2, on the same connection.
        c.routes.push({ orgId: 'org-1', alias: 'silent-then-h2', deployments: [
          { id: 'dep-silent', providerId: 'prov-h2', upstreamModel: 'silent', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' },
          { id: 'dep-answers', providerId: 'prov-h2', upstreamModel: 'm', priority: 1, weight: 1, pricingRuleId: 'rule-1', environment: '' },
        ] });
      });
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.all([h?.close(), hIdle?.close()]);
    await Promise.all([upstream?.close(), http1Upstream?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const chat = (model: string, tag: string, stream: boolean, init: { harness?: Harness; signal?: AbortSignal } = {}) =>
    fetch(`${(init.harness ?? h).url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${(init.harness ?? h).activeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: tag }] }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  /** Polls `condition` (a few ms apart) until it holds. */
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const seenFor = (tag: string) => upstream.seen.find((s) => s.tag === tag);
  /**
   * One answered completion over h2 first: a cold pool opens a connection per concurrent request
   * (a connection carries one request until ALPN chose h2), and the multiplexed case needs one.
   */
  const warmH2 = async (tag: string) => {
    const response = await chat('over-h2', tag, false);
    expect(response.status).toBe(200);
    await response.text();
  };

  it('with http2 auto, non-streamed and streamed completions reach the upstream over h2', async () => {
    const plain = await chat('over-h2', 'h2-json', false);
    expect(plain.status).toBe(200);
    expect(((await plain.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('hi h2-json');
    const streamed = await chat('over-h2', 'h2-stream', true);
    expect(streamed.status).toBe(200);
    const text = await streamed.text();
    expect(text).toContain('hi h2-stream');
    expect(text).toContain('data: [DONE]');
    expect(seenFor('h2-json')?.httpVersion).toBe('2.0');
    expect(seenFor('h2-stream')?.httpVersion).toBe('2.0');
  });

  it('many concurrent streams to an h2 upstream share one connection', async () => {
    const streams = 50;
    // Every stream stays open until all of them reached the upstream: they are concurrent by construction.
    upstream.holdUntil((heldCount) => heldCount >= streams);
    const tags = Array.from({ length: streams }, (_, i) => `h2-many-${i}`);
    const answers = await Promise.all(tags.map(async (tag) => {
      const response = await chat('over-h2', tag, true);
      return { status: response.status, text: await response.text() };
    }));
    upstream.holdUntil(() => true);
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.text).toContain(`hi ${tags[i]}`);
    }
    const seen = tags.map((tag) => seenFor(tag)!);
    expect(seen.every((s) => s.httpVersion === '2.0')).toBe(true);
    expect(new Set(seen.map((s) => s.connection)).size).toBe(1);
    // The connection the first test opened: the pool kept it and carried every stream on it.
    expect(seen[0]!.connection).toBe(seenFor('h2-json')!.connection);
  }, 30_000);

  it('with http2 off, the same upstream is reached over HTTP/1.1', async () => {
    const plain = await chat('over-h1', 'h1-json', false);
    expect(plain.status).toBe(200);
    await plain.text();
    const streamed = await chat('over-h1', 'h1-stream', true);
    expect(streamed.status).toBe(200);
    expect(await streamed.text()).toContain('hi h1-stream');
    expect(seenFor('h1-json')?.httpVersion).toBe('1.1');
    expect(seenFor('h1-stream')?.httpVersion).toBe('1.1');
  });

  it('a client that leaves mid-stream resets its upstream h2 stream (RST_STREAM), and the connection carries on', async () => {
    const controller = new AbortController();
    const response = await chat('over-h2', 'stall-cancel', true, { signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let received = '';
    while (!received.includes('hi stall-cancel')) received += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    // Without the cancel the upstream would stream on (here: wait) forever.
    expect(await upstream.closeOf('stall-cancel')).toEqual({ endedByUpstream: false, sessionAlive: true });
    await until(() => h.inFlight() === 0);
    const next = await chat('over-h2', 'h2-after-cancel', false);
    expect(next.status).toBe(200);
    await next.text();
    expect(seenFor('h2-after-cancel')!.connection).toBe(seenFor('stall-cancel')!.connection);
  });

  it('the idle limit holds over h2: a silent stream ends with an error event, and its h2 stream is reset', async () => {
    const response = await chat('over-h2', 'stall-idle', true, { harness: hIdle });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('hi stall-idle');
    expect(text).toContain('"code":"upstream_stream_interrupted"');
    expect(text).not.toContain('[DONE]');
    expect(await upstream.closeOf('stall-idle')).toEqual({ endedByUpstream: false, sessionAlive: true });
  });

  it('an upstream that resets its h2 stream mid-answer is an interrupted stream, never a clean end', async () => {
    // undici ends the body of a reset h2 stream as if it were complete: the missing finish
    // reason is what tells the data plane the answer was cut.
    const text = await (await chat('over-h2', 'reset-mid', true)).text();
    expect(text).toContain('hi reset-mid');
    expect(text).toContain('"code":"upstream_stream_interrupted"');
    expect(text).not.toContain('[DONE]');
  });

  it('a dropped h2 connection fails the completions it carried, and none of them is sent again', async () => {
    // Requests through the h2 pool are marked idempotent (to multiplex them) and undici re-queues
    // the requests running on a connection it loses: none of them may reach the upstream twice.
    await warmH2('warm-drop');
    const tags = ['drop-0', 'drop-1', 'drop-2'];
    upstream.dropAfter(tags.length, 'socket');
    const answers = await Promise.all(
      tags.map(async (tag) => {
        const response = await chat('over-h2', tag, false);
        return { status: response.status, body: (await response.json()) as { error?: { code?: string } } };
      }),
    );
    for (const answer of answers) expect(answer).toMatchObject({ status: 502, body: { error: { code: 'upstream_error' } } });
    // They shared one connection: the multiplexed case.
    expect(new Set(tags.map((tag) => seenFor(tag)!.connection)).size).toBe(1);
    // A request re-queued by undici would sit ahead of this one on the same pooled client.
    const after = await chat('over-h2', 'after-drop', false);
    expect(after.status).toBe(200);
    await after.text();
    for (const tag of tags) expect(upstream.seen.filter((s) => s.tag === tag)).toHaveLength(1);
  });

  it('a GOAWAY from an h2 upstream fails the completions it carried, and none of them is sent again', async () => {
    // undici tears the connection down on a GOAWAY and re-queues what ran on it, as on a drop.
    await warmH2('warm-goaway');
    const tags = ['drop-goaway-0', 'drop-goaway-1', 'drop-goaway-2'];
    upstream.dropAfter(tags.length, 'goaway');
    const statuses = await Promise.all(tags.map(async (tag) => {
      const response = await chat('over-h2', tag, false);
      await response.text();
      return response.status;
    }));
    expect(statuses).toEqual([502, 502, 502]);
    expect(new Set(tags.map((tag) => seenFor(tag)!.connection)).size).toBe(1);
    const after = await chat('over-h2', 'after-goaway', false);
    expect(after.status).toBe(200);
    await after.text();
    for (const tag of tags) expect(upstream.seen.filter((s) => s.tag === tag)).toHaveLength(1);
  });

  it('the first-token limit holds over h2: a silent upstream stream is reset (the connection carries on) and the next deployment answers', async () => {
    const response = await chat('silent-then-h2', 'first-token', true, { harness: hIdle });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('hi first-token');
    expect(text).toContain('data: [DONE]');
    expect(await upstream.closeOf('first-token@silent')).toEqual({ endedByUpstream: false, sessionAlive: true });
    const [silent, answered] = [seenFor('first-token@silent')!, seenFor('first-token')!];
    expect([silent.httpVersion, answered.httpVersion]).toEqual(['2.0', '2.0']);
    expect(answered.connection).toBe(silent.connection);
  }, 30_000);

  it('with http2 auto, a TLS upstream without h2 gets HTTP/1.1 (ALPN), one stream per connection', async () => {
    const warm = await chat('h1-only', 'h1-only-warm', true);
    expect(await warm.text()).toContain('hi h1-only-warm');
    // Both streams stay open until both reached the upstream: they run at once, each on its own connection.
    http1Upstream.holdUntilOpen(2);
    const tags = ['h1-only-a', 'h1-only-b'];
    const texts = await Promise.all(tags.map(async (tag) => (await chat('h1-only', tag, true)).text()));
    http1Upstream.holdUntilOpen(1);
    for (const [i, text] of texts.entries()) expect(text).toContain(`hi ${tags[i]}`);
    const seen = tags.map((tag) => http1Upstream.seen.find((s) => s.tag === tag)!);
    expect(seen.map((s) => s.httpVersion)).toEqual(['1.1', '1.1']);
    expect(seen[0]!.connection).not.toBe(seen[1]!.connection);
  }, 30_000);

  it('the address guard checks h2 connections: a host that now resolves to the metadata address is refused before any connection', async () => {
    const opened = upstream.connectionsOpened();
    const response = await chat('rebind', 'rebind-1', false);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_address_refused');
    expect(upstream.connectionsOpened()).toBe(opened);
    expect(seenFor('rebind-1')).toBeUndefined();
  });
});
