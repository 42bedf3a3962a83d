import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRequestEventRow, type RequestEvent } from '@proxystacks/shared/events/request-event';
import { isWellFormedKey } from '@proxystacks/shared/keys/key-format';
import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import { startRelay, type RunningRelay } from '../../src/runtime/start-relay.ts';
import { createGraphQLClient, eventually } from './graphql-client.ts';

/** Where the relay's Postgres lives for one run of the suite. */
export interface DatabaseTarget {
  /** null = PGlite inside the relay's data directory. */
  url: string | null;
  cleanup(): Promise<void>;
}

const DEMO_PRICES = { inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: 75_000, cacheWriteMicrosPerMTok: null };

/**
 * The whole path, end to end: a key created over GraphQL, chat completions through the data
 * plane with the official openai SDK (JSON and SSE), the event read back from ClickHouse, the
 * spend read back over GraphQL, and the key revoked. Runs once per database kind (one file
 * each, because chDB allows one data directory per process).
 */
export function describeEndToEnd(kind: string, openDatabase: () => Promise<DatabaseTarget>): void {
  describe(`relay end to end on ${kind}`, () => {
    let relay: RunningRelay;
    let dataDir: string;
    let database: DatabaseTarget;
    let graphql: ReturnType<typeof createGraphQLClient>;
    let key: { id: string; secret: string };
    let client: OpenAI;
    const requestIds: string[] = [];
    let rejectedRequestId = '';

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'relay-e2e-'));
      database = await openDatabase();
      relay = await startRelay({
        dataDir,
        databaseUrl: database.url,
        dataplanePort: 0,
        controlplanePort: 0,
        seedDemo: true,
        logLevel: 'warn',
      });
      graphql = createGraphQLClient(`${relay.controlplaneUrl}/graphql`, relay.adminToken);
    });

    afterAll(async () => {
      await relay?.close();
      await database?.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('creates a key over GraphQL and shows its secret once', async () => {
      const data = await graphql<{ createKey: { secret: string; key: { id: string; name: string; status: string; prefix: string } } }>(
        'mutation($input: CreateKeyInput!) { createKey(input: $input) { secret key { id name status prefix } } }',
        { input: { name: 'e2e-app' } },
      );
      expect(isWellFormedKey(data.createKey.secret)).toBe(true);
      expect(data.createKey.key).toMatchObject({ name: 'e2e-app', status: 'ACTIVE' });
      expect(data.createKey.secret.startsWith(data.createKey.key.prefix)).toBe(true);
      key = { id: data.createKey.key.id, secret: data.createKey.secret };
      client = new OpenAI({ apiKey: key.secret, baseURL: `${relay.dataplaneUrl}/v1`, maxRetries: 0 });
    });

    it('answers a chat completion through the openai SDK', async () => {
      const { data, response } = await client.chat.completions
        .create({ model: 'relay-mini', messages: [{ role: 'user', content: 'Hello, Relay.' }] })
        .withResponse();
      const requestId = response.headers.get('x-request-id');
      expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
      requestIds.push(requestId!);
      expect(data.object).toBe('chat.completion');
      expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
      expect(data.choices[0]?.finish_reason).toBe('stop');
      expect(data.usage?.prompt_tokens).toBeGreaterThan(0);

      const event = await findEvent(requestId!);
      expect(event).toMatchObject({
        request_id: requestId,
        key_id: key.id,
        alias: 'relay-mini',
        provider_type: 'mock',
        upstream_model: 'mock-1',
        status_code: 200,
        error_code: '',
        attempts: 1,
        prompt_tokens: data.usage!.prompt_tokens,
        completion_tokens: data.usage!.completion_tokens,
        usage_source: 'provider',
        streamed: false,
        stream_end: '',
        finish_reason: 'stop',
      });
      expect(event.cost_micros).toBe(
        priceRequest(
          { promptTokens: data.usage!.prompt_tokens, completionTokens: data.usage!.completion_tokens, cachedTokens: 0, cacheWriteTokens: 0 },
          DEMO_PRICES,
        ),
      );
      expect(event.pricing_rule_version).toBe(1);
      expect(event.snapshot_version).toBeGreaterThan(0);
    });

    it('streams word by word and ends with a finish reason, without a usage chunk it did not ask for', async () => {
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'relay-mini', messages: [{ role: 'user', content: 'Stream to me.' }], stream: true })
        .withResponse();
      requestIds.push(response.headers.get('x-request-id')!);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(chunks.length).toBeGreaterThan(3);
      expect(text.length).toBeGreaterThan(0);
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
      expect(chunks.some((c) => c.choices.length === 0 || c.usage)).toBe(false);

      const event = await findEvent(requestIds.at(-1)!);
      expect(event).toMatchObject({ streamed: true, stream_end: 'done', usage_source: 'provider', status_code: 200 });
      expect(event.completion_tokens).toBeGreaterThan(0);
      expect(event.ttft_ms).not.toBeNull();
    });

    it('returns usage in the final chunk when the client asks for it', async () => {
      const { data: stream, response } = await client.chat.completions
        .create({
          model: 'relay-mini',
          messages: [{ role: 'user', content: 'Count my tokens.' }],
          stream: true,
          stream_options: { include_usage: true },
        })
        .withResponse();
      requestIds.push(response.headers.get('x-request-id')!);
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage?.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens);
      const event = await findEvent(requestIds.at(-1)!);
      expect(event.prompt_tokens).toBe(last.usage!.prompt_tokens);
      expect(event.completion_tokens).toBe(last.usage!.completion_tokens);
    });

    it('reports an unknown model the way OpenAI does', async () => {
      const err = await client.chat.completions
        .create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      const notFound = err as InstanceType<typeof OpenAI.NotFoundError>;
      expect(notFound.code).toBe('model_not_found');
      expect(notFound.param).toBe('model');
      expect(notFound.requestID).toMatch(/^req_[0-9a-f]{32}$/);
      rejectedRequestId = notFound.requestID!;
      const event = await findEvent(rejectedRequestId);
      expect(event).toMatchObject({
        key_id: key.id,
        // Unknown names share one bucket, so clients cannot mint analytics rows (issue 6).
        alias: '(unknown)',
        status_code: 404,
        error_code: 'model_not_found',
        prompt_tokens: 0,
        completion_tokens: 0,
        cost_micros: 0,
        usage_source: 'none',
      });
    });

    it('shows the spend per key and per model over GraphQL, to the micro', async () => {
      const events = await Promise.all(requestIds.map((id) => findEvent(id)));
      const expected = {
        requests: events.length,
        promptTokens: sum(events.map((e) => e.prompt_tokens)),
        completionTokens: sum(events.map((e) => e.completion_tokens)),
        costMicros: String(sum(events.map((e) => e.cost_micros))),
      };
      const range = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
      const rowFields = 'keyId keyName model requests errors promptTokens completionTokens costMicros p50LatencyMs p95LatencyMs';
      const byKey = await graphql<{ spend: { rows: Array<Record<string, unknown>> } }>(
        `query($from: DateTime!, $to: DateTime!) { spend(from: $from, to: $to, groupBy: KEY) { rows { ${rowFields} } } }`,
        range,
      );
      // The key's row also counts the request rejected for its unknown model: one more request, one error.
      expect(byKey.spend.rows.find((r) => r.keyId === key.id)).toMatchObject({
        ...expected,
        keyName: 'e2e-app',
        requests: expected.requests + 1,
        errors: 1,
      });

      const byModel = await graphql<{ spend: { rows: Array<Record<string, unknown>> } }>(
        `query($from: DateTime!, $to: DateTime!) { spend(from: $from, to: $to, groupBy: MODEL) { rows { ${rowFields} } } }`,
        range,
      );
      const model = byModel.spend.rows.find((r) => r.model === 'relay-mini');
      expect(model).toMatchObject({ ...expected, errors: 0 });
      expect(byModel.spend.rows.find((r) => r.model === '(unknown)')).toMatchObject({ requests: 1, errors: 1, costMicros: '0' });
      expect(model?.p95LatencyMs).toBeGreaterThanOrEqual(model?.p50LatencyMs as number);
    });

    it('sends the provider credential upstream, sealed all the way, and switches on rotation', async () => {
      // An OpenAI-compatible upstream that only answers to one API key.
      let expected = 'sk-upstream-first-0123456789';
      const seen: string[] = [];
      const upstream = createServer((req, res) => {
        const auth = req.headers.authorization ?? '';
        seen.push(auth);
        req.resume();
        req.on('end', () => {
          if (auth !== `Bearer ${expected}`) {
            res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Incorrect API key provided: sk-up***', type: 'invalid_request_error', code: 'invalid_api_key' } }));
            return;
          }
          const body = { id: 'c1', object: 'chat.completion', created: 1, model: 'up-1', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        });
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      try {
        const baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
        const { createProvider } = await graphql<{ createProvider: { id: string } }>(
          'mutation($input: CreateProviderInput!) { createProvider(input: $input) { id } }',
          { input: { name: 'Keyed upstream', type: 'OPENAI_COMPATIBLE', baseUrl, credential: expected } },
        );
        await graphql('mutation($p: ID!) { createModelAlias(input: { alias: "keyed", routes: [{ providerId: $p, upstreamModel: "up-1" }] }) { id } }', { p: createProvider.id });
        const ok = await client.chat.completions.create({ model: 'keyed', messages: [{ role: 'user', content: 'hi' }] });
        expect(ok.choices[0]?.message.content).toBe('ok');
        expect(seen.at(-1)).toBe(`Bearer ${expected}`);

        // The upstream rotates its key: the old one is refused, which the client sees as a gateway-side auth failure.
        expected = 'sk-upstream-second-9876543210';
        const refused = await client.chat.completions.create({ model: 'keyed', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(OpenAI.APIError);
        expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
        expect((refused as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_auth_failed');
        expect(JSON.stringify((refused as InstanceType<typeof OpenAI.APIError>).error)).not.toContain('sk-up');

        await graphql('mutation($id: ID!, $c: String!) { updateProvider(id: $id, input: { credential: $c }) { id } }', { id: createProvider.id, c: expected });
        const rotated = await client.chat.completions.create({ model: 'keyed', messages: [{ role: 'user', content: 'hi' }] });
        expect(rotated.choices[0]?.message.content).toBe('ok');
        expect(seen.at(-1)).toBe(`Bearer ${expected}`);
      } finally {
        upstream.close();
      }
    });

    it('records when the key was last used, from the events (the data plane never writes Postgres)', async () => {
      // The sync also runs every few seconds on its own; run a pass now so the test does not wait.
      await relay.services.keyUsageSync.syncOnce();
      const after = await graphql<{ keys: Array<{ id: string; lastUsedAt: string | null }> }>('{ keys { id lastUsedAt } }');
      const lastUsedAt = after.keys.find((k) => k.id === key.id)?.lastUsedAt;
      const lastEvent = (await Promise.all(requestIds.map((id) => findEvent(id)))).map((e) => Date.parse(`${e.ts.replace(' ', 'T')}Z`));
      expect(lastUsedAt).not.toBeNull();
      // At least the newest of the requests above (later successful requests may already count).
      expect(Date.parse(lastUsedAt!)).toBeGreaterThanOrEqual(Math.max(...lastEvent));
      expect(Date.parse(lastUsedAt!)).toBeLessThanOrEqual(Date.now());
    });

    it('stops a revoked key at once', async () => {
      await graphql('mutation($id: ID!) { revokeKey(id: $id) { id status } }', { id: key.id });
      const err = await client.chat.completions
        .create({ model: 'relay-mini', messages: [{ role: 'user', content: 'still there?' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('api_key_revoked');
    });

    async function findEvent(requestId: string): Promise<RequestEvent> {
      const { client: ch, database } = relay.services.clickhouse;
      return eventually(async () => {
        const result = await ch.query({
          query: `SELECT * FROM ${database}.request_events FINAL WHERE request_id = {id:String}`,
          query_params: { id: requestId },
          format: 'JSONEachRow',
        });
        const rows = await result.json<Record<string, unknown>>();
        return rows.length === 1 ? decodeRequestEventRow(rows[0]!) : undefined;
      }, `event ${requestId} in ClickHouse`);
    }
  });
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
