import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './dataplane-harness.ts';
import { rawExchange, rawHead } from './raw-http.ts';

/**
 * Issue 6 item 4: request bodies are bounded in depth, in the work they cost, and in the memory
 * all of them may hold at once. The data plane runs in this process, so the event-loop lag
 * measured here is the data plane's own.
 */
describe('issue 6: request body limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function post(body: string): Promise<{ status: number; json: { error: { code: string; param: string | null; message: string } } }> {
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, json: (await res.json()) as never };
  }

  it('refuses 10,000 levels of nesting with 400 json_too_deep (it was a 500)', async () => {
    const body = `{"model":"relay-mini","messages":[{"role":"user","content":"hi"}],"metadata_x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const { status, json } = await post(body);
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ code: 'json_too_deep', type: 'invalid_request_error', param: null });
  });

  it('still serves a request nested to the limit', async () => {
    const nested = `${'['.repeat(60)}${']'.repeat(60)}`;
    const { status } = await post(`{"model":"relay-mini","messages":[{"role":"user","content":"hi"}],"metadata_x":${nested}}`);
    expect(status).toBe(200);
  });

  it('rejects 4 MiB of tiny array elements without stalling the event loop', async () => {
    // 1.4 million empty arrays as `tools`: zod used to report one issue per element, 4.7 s of
    // event loop here. The fixed code refuses it in one pass over the bytes. Bound: 1 s (10x
    // what the fix needs on a busy machine, far under the old stall).
    const body = `{"model":"relay-mini","messages":[{"role":"user","content":"hi"}],"tools":[${Array(1_400_000).fill('[]').join(',')}]}`;
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const { status, json } = await post(body);
    lag.disable();
    expect(status).toBe(400);
    expect(json.error.code).toBe('json_too_many_values');
    expect(lag.max / 1e6).toBeLessThan(1_000);
  });

  it.each([
    ['tools', `"tools":[${Array(100_000).fill('[]').join(',')}],"messages":[{"role":"user","content":"hi"}]`, 'tools'],
    ['messages', `"messages":[${Array(3_000).fill('{"role":"user","content":"hi"}').join(',')}]`, 'messages'],
    ['content parts of one message', `"messages":[{"role":"user","content":[${Array(2_000).fill('[]').join(',')}]}]`, 'messages[0].content'],
  ])('answers an over-long %s array with 400 array_above_max_length and its param', async (_label, fields, param) => {
    const { status, json } = await post(`{"model":"relay-mini",${fields}}`);
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ code: 'array_above_max_length', param });
  });
});

describe('issue 6: the process-wide buffered-body budget', () => {
  let h: Harness;
  let port: number;
  const budgetBytes = 1024 * 1024;
  beforeAll(async () => {
    h = await startHarness({ MAX_BODY_BYTES: String(budgetBytes), MAX_BUFFERED_BODY_BYTES: String(budgetBytes) });
    port = Number(new URL(h.url).port);
  });
  afterAll(async () => {
    await h.close();
  });

  const head = (key: string, extra: Array<[string, string]>): string =>
    rawHead('POST /v1/chat/completions HTTP/1.1', [['host', 'relay'], ['authorization', `Bearer ${key}`], ['content-type', 'application/json'], ...extra]);

  /** Opens an upload of `declared` bytes and sends only its first kilobyte, so its budget stays held. */
  async function holdUpload(declared: number): Promise<net.Socket> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => undefined);
    socket.write(head(h.activeKey, [['content-length', String(declared)]]) + ' '.repeat(1024));
    return socket;
  }

  it('answers 503 server_overloaded with retry-after while the budget is held, and accepts again once it is released', async () => {
    const holder = await holdUpload(700 * 1024);
    // Its handler has run (and reserved its Content-Length) once it counts as in flight.
    while (h.inFlight() < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    // A second large upload needs more than what is left: refused before any of it is buffered.
    const refused = await rawExchange(port, head(h.activeKey, [['content-length', String(700 * 1024)]]), { expectResponses: 1 });
    const answer = refused.responses[0]!;
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.headers['x-should-retry']).toBe('true');
    expect(JSON.parse(answer.body).error).toMatchObject({ code: 'server_overloaded', type: 'api_error' });

    // A chunked upload (no Content-Length) is counted chunk by chunk: refused mid-way.
    const chunk = 'a'.repeat(400 * 1024);
    const chunked = await rawExchange(port, `${head(h.activeKey, [['transfer-encoding', 'chunked']])}${chunk.length.toString(16)}\r\n${chunk}\r\n`, { expectResponses: 1 });
    expect(chunked.responses[0]?.status).toBe(503);

    // Releasing the holder (it completes and is answered) gives the budget back.
    const answered = new Promise<string>((resolve) => holder.once('data', (data: Buffer) => resolve(data.toString('latin1'))));
    holder.write(' '.repeat(700 * 1024 - 1024));
    expect(await answered).toMatch(/^HTTP\/1\.1 400 /); // all spaces: invalid JSON, but its budget came back
    holder.destroy();
    const body = JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content: 'word '.repeat(140 * 1024) }] });
    const accepted = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${h.activeKey}` }, body });
    expect(accepted.status).toBe(200);
  });
});
