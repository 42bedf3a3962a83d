import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '../src/runtime/start-relay.ts';

/**
 * Issue 6, item 9: a malformed `%` in a console URL answered 500 and logged a stack. Every path
 * of the control plane's HTTP surface that decodes or parses the URL is probed with broken
 * escapes: none may answer 5xx, the console answers 400, and nothing is logged at warn or above.
 */
let relay: RunningRelay;
let dataDir: string;
const logged: Array<{ level: number; msg?: string }> = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'relay-issue6-url-'));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logged.push(JSON.parse(line) as { level: number; msg?: string });
      done();
    },
  });
  relay = await startRelay({ dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: false, logger: pino({ level: 'debug' }, sink) });
}, 180_000);

afterAll(async () => {
  await relay?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Sends `path` byte for byte (fetch would re-encode it). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(relay.controlplaneUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

describe('malformed percent-encoding on the control plane (issue 6)', () => {
  it('answers 400 on console paths with a broken escape, and logs nothing alarming', async () => {
    for (const path of ['/%', '/%E0%A4%A', '/keys/%zz', '/assets/%C0%AF.js', '/favicon%00.ico', '/%FF%FE']) {
      const answer = await get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(answer.body).not.toMatch(/URIError|at \w+ \(/);
    }
    expect(logged.filter((entry) => entry.level >= 40)).toEqual([]);
  });

  it('never answers 5xx on the other routes with broken escapes in path or query', async () => {
    const token = { authorization: `Bearer ${relay.adminToken}` };
    const probes: Array<[string, Record<string, string>]> = [
      ['/graphql?query=%E0%A4%A', token],
      ['/graphql?query=%', token],
      ['/graphql?query=%7Bviewer%7Bid%7D%7D&variables=%', token],
      ['/graphql?query=%7Bviewer%7Bid%7D%7D&extensions=%7B', token],
      ['/healthz?%', {}],
      ['/internal/v1/snapshot?wait=%', {}],
      ['/internal/v1/%', {}],
    ];
    for (const [path, headers] of probes) {
      const answer = await get(path, headers);
      expect({ path, server_error: answer.status >= 500 }).toEqual({ path, server_error: false });
    }
    expect(logged.filter((entry) => entry.level >= 40)).toEqual([]);
    // The console itself still works.
    expect((await get('/keys')).status).not.toBe(400);
  });
});
