import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 11: HTTP/2 to upstreams that offer it, per provider. The upstream here is a loopback
 * node:http2 TLS server (certificate made for the test by openssl) that also speaks HTTP/1.1,
 * and records, for every chat completion it serves, the HTTP version and which connection
 * (h2 session or TLS socket) carried it. The data plane trusts the test's certificate through
 * a code-only option; certificate verification stays on.
 */

interface Seen {
  httpVersion: string;
  connection: object;
  tag: string;
}

/** An OpenAI-style upstream over TLS (h2 and HTTP/1.1): streams hold after their first chunk until `releaseWhen` says so. */
async function startTlsUpstream(dir: string) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=relay-test-upstream', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const seen: Seen[] = [];
  const held: Array<() => void> = [];
  let releaseWhen: (heldCount: number) => boolean = () => true;
  const sessions = new Set<ServerHttp2Session>();
  const sockets = new Set<Socket>();
  const server: Http2SecureServer = createSecureServer({ key: readFileSync(join(dir, 'key.pem')), cert, allowHTTP1: true }, (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean; messages: Array<{ content: string }> };
      const tag = body.messages.at(-1)!.content;
      seen.push({ httpVersion: req.httpVersion, connection: req.httpVersion === '2.0' ? req.stream.session! : req.socket, tag });
      const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: `hi ${tag}` }, finish_reason: 'stop' }], usage }));
        return;
      }
      const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: `hi ${tag}` }, null));
      held.push(() => {
        res.write(chunk({}, 'stop'));
        res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage })}\n\n`);
        res.end('data: [DONE]\n\n');
      });
      if (releaseWhen(held.length)) for (const finish of held.splice(0)) finish();
    });
  });
  server.on('session', (session: ServerHttp2Session) => sessions.add(session));
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    cert,
    baseUrl: `https://127.0.0.1:${port}/v1`,
    seen,
    /** Streams finish once this says so (given how many are held), checked as each one arrives. */
    holdUntil(condition: (heldCount: number) => boolean) {
      releaseWhen = condition;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('HTTP/2 to upstreams, per provider (issue 11)', () => {
  let dir: string;
  let upstream: Awaited<ReturnType<typeof startTlsUpstream>>;
  let h: Harness;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-h2-'));
    upstream = await startTlsUpstream(dir);
    h = await startHarness({}, { upstreamCa: [upstream.cert] });
    h.applySnapshot((c) => {
      c.providers.push(
        { id: 'prov-h2', orgId: 'org-1', name: 'TLS upstream, h2 auto', type: 'openai_compatible', baseUrl: upstream.baseUrl, credential: null, environments: [], http2: 'auto' },
        { id: 'prov-h1', orgId: 'org-1', name: 'TLS upstream, h2 off', type: 'openai_compatible', baseUrl: upstream.baseUrl, credential: null, environments: [], http2: 'off' },
      );
      c.routes.push(
        { orgId: 'org-1', alias: 'over-h2', deployments: [{ id: 'dep-h2', providerId: 'prov-h2', upstreamModel: 'm', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] },
        { orgId: 'org-1', alias: 'over-h1', deployments: [{ id: 'dep-h1', providerId: 'prov-h1', upstreamModel: 'm', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] },
      );
    });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
    await upstream?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const chat = (model: string, tag: string, stream: boolean) =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: tag }] }),
    });
  const seenFor = (tag: string) => upstream.seen.find((s) => s.tag === tag);

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
});
