import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';

/** Every line the handler logs, parsed. */
const logLines: Array<Record<string, unknown>> = [];
const logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  }),
);

const MAX_BODY_BYTES = 64 * 1024;
/** Thrown by a resolver: must reach the log, never the response. */
const INTERNAL_MESSAGE = 'connection to 10.1.2.3:5432 refused: password for relay_admin=hunter2';

/** Anything a response must never carry. */
function expectNoInternals(text: string): void {
  expect(text).not.toContain('originalError');
  expect(text).not.toContain('stack');
  expect(text).not.toContain('SyntaxError');
  expect(text).not.toContain('Unexpected end of JSON');
  expect(text).not.toContain('hunter2');
  expect(text).not.toContain('10.1.2.3');
  expect(text).not.toMatch(/at \S+ \(.*:\d+:\d+\)/);
}

/**
 * Issue 7: the admin GraphQL endpoint is safe to expose. Over real HTTP on loopback (the
 * GraphQL harness: Yoga on node:http, PGlite, chDB).
 */
describe('issue 7: GraphQL hardening', () => {
  let h: GraphQLHarness;
  let snapshotFails = false;

  beforeAll(async () => {
    h = await startGraphQLHarness({
      logger,
      maxBodyBytes: MAX_BODY_BYTES,
      currentSnapshot: () => {
        if (snapshotFails) throw new Error(INTERNAL_MESSAGE);
        return { version: 1, hash: 'h', createdAt: '2025-01-02T03:04:05.000Z' };
      },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.adminToken}`, ...headers }, body });

  describe('masked errors carry no internals, in any NODE_ENV', () => {
    for (const nodeEnv of ['production', 'development']) {
      it(`malformed bodies (NODE_ENV=${nodeEnv})`, async () => {
        const saved = process.env.NODE_ENV;
        process.env.NODE_ENV = nodeEnv;
        try {
          const cases: Array<[string, Record<string, string>, number, RegExp]> = [
            ['{"query": ', {}, 400, /POST body sent invalid JSON/],
            ['[{"query":"{viewer{id}}"}]', {}, 400, /Batching is not supported/],
            ['null', {}, 400, /expected to be object/],
            ['{"query":"{"}', {}, 200, /Syntax Error/],
            ['hello', { 'content-type': 'text/plain' }, 415, /^$/],
          ];
          for (const [body, headers, status, message] of cases) {
            const response = await post(body, headers);
            const text = await response.text();
            expect(response.status, `${body} ${text}`).toBe(status);
            expectNoInternals(text);
            if (text !== '') expect((JSON.parse(text) as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(message);
          }
        } finally {
          process.env.NODE_ENV = saved;
        }
      });
    }

    it('keeps caller-mistake and validation messages', async () => {
      const validation = await h.gql('{ xyzzyPlugh }');
      expect(validation.body.errors?.[0]).toMatchObject({ message: 'Cannot query field "xyzzyPlugh" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      const input = await h.gql('mutation { createProvider(input: { name: "", type: MOCK }) { id } }');
      expect(input.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', param: 'name' });
    });

    it('an unexpected error is masked, carries the request id, and is logged once with it', async () => {
      snapshotFails = true;
      const saved = process.env.NODE_ENV;
      process.env.NODE_ENV = 'development';
      logLines.length = 0;
      try {
        const response = await post(JSON.stringify({ query: '{ configSnapshot { version } }' }), { 'x-request-id': 'support-ticket-42' });
        const text = await response.text();
        expectNoInternals(text);
        expect(response.headers.get('x-request-id')).toBe('support-ticket-42');
        const body = JSON.parse(text) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
        expect(body.errors).toHaveLength(1);
        expect(body.errors[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'support-ticket-42' } });
        const alarms = logLines.filter((line) => (line.level as number) >= 50);
        expect(alarms).toHaveLength(1);
        expect(alarms[0]).toMatchObject({ requestId: 'support-ticket-42', msg: 'graphql: unexpected error' });
        expect(JSON.stringify(alarms[0])).toContain('hunter2');
      } finally {
        snapshotFails = false;
        process.env.NODE_ENV = saved;
      }
    });
  });

  it('gives each request an id: a sane x-request-id is kept, anything else replaced', async () => {
    const generated = await post(JSON.stringify({ query: '{ viewer { id } }' }));
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    for (const bad of ['x'.repeat(129), 'has space', 'semi;colon', 'ünï']) {
      const response = await fetch(h.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.adminToken}`, 'x-request-id': encodeURI(bad) === bad ? bad : encodeURIComponent(bad) },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      });
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const kept = await post(JSON.stringify({ query: '{ viewer { id } }' }), { 'x-request-id': 'A.b_c-9' });
    expect(kept.headers.get('x-request-id')).toBe('A.b_c-9');
    // Refused requests carry one too.
    const anonymous = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{viewer{id}}"}' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('request body cap', () => {
    const oversized = JSON.stringify({ query: '{ viewer { id } }', variables: { pad: 'x'.repeat(MAX_BODY_BYTES) } });

    it('refuses a declared Content-Length over the cap with a GraphQL-shaped 413', async () => {
      const response = await post(oversized);
      expect(response.status).toBe(413);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ errors: [{ extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] });
      expectNoInternals(text);
    });

    it('refuses a chunked body once it passes the cap, without reading the rest', async () => {
      const url = new URL(h.url);
      const result = await new Promise<{ status: number; body: string; sentBytes: number; connection: string | undefined }>((resolve, reject) => {
        let sentBytes = 0;
        const req = httpRequest(
          { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.adminToken}`, 'transfer-encoding': 'chunked' } },
          (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (c: string) => (body += c));
            res.on('end', () => {
              resolve({ status: res.statusCode ?? 0, body, sentBytes, connection: res.headers.connection });
              req.destroy();
            });
            res.on('error', reject);
          },
        );
        req.on('error', () => undefined);
        // Up to 1024x the cap (64 MiB), in 16 KiB chunks, written only while the server keeps reading.
        const chunk = Buffer.alloc(16 * 1024, 'x');
        req.write('{"query":"{ viewer { id } }","variables":{"pad":"');
        const pump = () => {
          while (sentBytes < MAX_BODY_BYTES * 1024 && !req.destroyed) {
            sentBytes += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end('"}}');
        };
        pump();
      });
      expect(result.status).toBe(413);
      // The server closes instead of draining the rest: far less than the 64 MiB offered got through.
      expect(result.connection).toBe('close');
      expect(result.sentBytes).toBeLessThan(MAX_BODY_BYTES * 512);
      expect(JSON.parse(result.body)).toMatchObject({ errors: [{ extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] });
      expectNoInternals(result.body);
    });

    it('still accepts a body under the cap', async () => {
      const response = await post(JSON.stringify({ query: '{ viewer { id } }', variables: { pad: 'x'.repeat(MAX_BODY_BYTES / 2) } }));
      expect(response.status).toBe(200);
    });
  });

  it('refuses anonymous introspection with 401 and no schema data', async () => {
    for (const token of [null, 'relay-admin-not-a-real-token-000000000000000000000']) {
      const response = await h.gql('{ __schema { types { name } } }', {}, token);
      expect(response.status).toBe(401);
      expect(response.body.data).toBeUndefined();
      expect(JSON.stringify(response.body)).not.toContain('__Schema');
      expect(JSON.stringify(response.body)).not.toContain('Provider');
    }
    const get = await fetch(`${h.url}?query=${encodeURIComponent('{__schema{types{name}}}')}`);
    expect(get.status).toBe(401);
    expect(await get.text()).not.toContain('types');
    const signedIn = await h.ok<{ __schema: { types: Array<{ name: string }> } }>('{ __schema { types { name } } }');
    expect(signedIn.__schema.types.length).toBeGreaterThan(0);
  });
});
