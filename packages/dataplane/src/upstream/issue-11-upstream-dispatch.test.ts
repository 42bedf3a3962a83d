import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, errors as undiciErrors } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptAbort } from '../routing/attempt-abort.ts';
import { UpstreamBody } from './upstream-body.ts';
import { dispatchUpstream } from './upstream-exchange.ts';

/**
 * Issue 11: upstream calls go through undici's `dispatch()` with the attempt's own abort (no
 * AbortController, no Node Readable per request). Every guarantee of the `request()` path must
 * hold: the abort tears the request down queued, before headers and mid-body; an oversized body
 * closes the connection; a reader that stops early or falls behind stops the upstream.
 */
type Route = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Route>();
/** Requests whose connection closed before the server finished answering, by path. */
const cutOff = new Set<string>();
const server = createServer((req, res) => {
  res.on('close', () => {
    if (!res.writableFinished) cutOff.add(req.url!);
  });
  req.resume();
  req.on('end', () => routes.get(req.url!)!(req, res));
});
let base = '';
const agent = new Agent({ keepAliveTimeout: 1_000 });

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await agent.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = { headers: { 'content-type': 'application/json' }, body: Buffer.from('{"model":"m"}'), headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 };
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
};

describe('dispatchUpstream (issue 11)', () => {
  it('answers with status, lower-cased headers and the JSON body as one Buffer', async () => {
    routes.set('/json', (_req, res) => {
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Twice': ['a', 'b'] });
      res.write('{"id":');
      setImmediate(() => res.end('"x"}'));
    });
    const answer = await dispatchUpstream(agent, `${base}/json`, post, new AttemptAbort());
    expect(answer.statusCode).toBe(201);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['x-twice']).toEqual(['a', 'b']);
    const read = await answer.body.readAll(1024);
    expect(read).toEqual({ bytes: Buffer.from('{"id":"x"}'), complete: true });
    expect(answer.body.settled).toBe(true);
  });

  it('cuts a body past the limit and closes the connection instead of draining it', async () => {
    routes.set('/big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const answer = await dispatchUpstream(agent, `${base}/big`, post, new AttemptAbort());
    const read = await answer.body.readAll(100_000);
    expect(read.complete).toBe(false);
    expect(read.bytes.length).toBe(100_000);
    await until(() => cutOff.has('/big'));
  });

  it('refuses a declared Content-Length past the limit without reading it', async () => {
    routes.set('/declared', (_req, res) => {
      res.writeHead(200, { 'content-length': String(10_000_000) });
      res.write('x');
    });
    const answer = await dispatchUpstream(agent, `${base}/declared`, post, new AttemptAbort());
    expect(await answer.body.readAll(1024)).toEqual({ bytes: Buffer.alloc(0), complete: false });
    await until(() => cutOff.has('/declared'));
  });

  it('an abort before the headers tears the request down and rejects with its reason', async () => {
    routes.set('/hang', () => undefined);
    const abort = new AttemptAbort();
    const pending = dispatchUpstream(agent, `${base}/hang`, post, abort);
    const reason = new Error('client went away');
    setImmediate(() => abort.abort(reason));
    await expect(pending).rejects.toBe(reason);
    await until(() => cutOff.has('/hang'));
  });

  it('an abort mid-body fails the reader and closes the upstream stream', async () => {
    routes.set('/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    });
    const abort = new AttemptAbort();
    const answer = await dispatchUpstream(agent, `${base}/stream`, post, abort);
    const iterator = answer.body[Symbol.asyncIterator]();
    expect((await iterator.next()).value.toString()).toBe('data: 1\n\n');
    const next = iterator.next();
    abort.abort();
    await expect(next).rejects.toMatchObject({ name: 'AbortError' });
    expect((await iterator.next()).done).toBe(true);
    expect(answer.body.settled).toBe(true);
    await until(() => cutOff.has('/stream'));
  });

  it('a reader that stops early (break) tears the request down', async () => {
    routes.set('/break', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    });
    const answer = await dispatchUpstream(agent, `${base}/break`, post, new AttemptAbort());
    let settled = false;
    answer.body.whenSettled(() => (settled = true));
    for await (const chunk of answer.body) {
      expect(chunk.toString()).toBe('data: 1\n\n');
      break;
    }
    expect(settled).toBe(true);
    await until(() => cutOff.has('/break'));
  });

  it('the headers timeout fails the call with undici\'s HeadersTimeoutError', async () => {
    routes.set('/slow-headers', () => undefined);
    await expect(dispatchUpstream(agent, `${base}/slow-headers`, { ...post, headersTimeoutMs: 50 }, new AttemptAbort())).rejects.toBeInstanceOf(undiciErrors.HeadersTimeoutError);
  });

  it('an already aborted attempt sends nothing', async () => {
    const abort = new AttemptAbort();
    abort.abort();
    let reached = false;
    routes.set('/never', () => (reached = true));
    await expect(dispatchUpstream(agent, `${base}/never`, post, abort)).rejects.toMatchObject({ name: 'AbortError' });
    expect(reached).toBe(false);
  });

  it('makes no AbortController or AbortSignal', async () => {
    routes.set('/count', (_req, res) => res.end('{}'));
    const made: string[] = [];
    const Original = globalThis.AbortController;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        made.push(new Error().stack ?? '');
      }
    };
    try {
      for (let i = 0; i < 5; i++) {
        const answer = await dispatchUpstream(agent, `${base}/count`, post, new AttemptAbort());
        await answer.body.readAll(1024);
      }
    } finally {
      globalThis.AbortController = Original;
    }
    expect(made).toEqual([]);
  });
});

describe('UpstreamBody (issue 11)', () => {
  const body = () => {
    const calls = { aborted: [] as Error[], resumed: 0 };
    return { calls, body: new UpstreamBody((err) => calls.aborted.push(err), () => calls.resumed++, null) };
  };

  it('asks undici to pause past 64 KiB queued, and to resume once the reader drained it', async () => {
    const { calls, body: b } = body();
    const chunk = Buffer.alloc(16 * 1024);
    expect([b.push(chunk), b.push(chunk), b.push(chunk)]).toEqual([true, true, true]);
    expect(b.push(chunk)).toBe(false);
    await b.next();
    expect(calls.resumed).toBe(1);
    b.end();
    let chunks = 0;
    for await (const _ of b) chunks++;
    expect(chunks).toBe(3);
    expect(calls.aborted).toEqual([]);
  });

  it('hands a waiting reader each chunk as it comes, then the end, and settles once', async () => {
    const { body: b } = body();
    let settled = 0;
    b.whenSettled(() => settled++);
    const first = b.next();
    b.push(Buffer.from('a'));
    expect((await first).value!.toString()).toBe('a');
    const end = b.next();
    b.end();
    expect((await end).done).toBe(true);
    b.fail(new Error('late'));
    expect(settled).toBe(1);
    b.whenSettled(() => settled++);
    expect(settled).toBe(2);
  });
});
