import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import type { RequestAttemptShape } from '../src/graphql/schema/request-log.ts';
import { startRelay, type RunningRelay } from '../src/runtime/start-relay.ts';
import { createGraphQLClient, eventually } from './e2e/graphql-client.ts';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from './support/test-database.ts';

/**
 * Issues 9 and 10: every upstream attempt reaches the event and the request log. An alias with
 * two deployments, the first on a loopback upstream that answers 500: the request succeeds on
 * the second (the demo mock), and `request(id).attemptLog` lists both attempts in order with
 * their providers' names, statuses, latencies and error codes. An event in the format of a data
 * plane from before `attempt_log` still ingests, and reads back with no attempts.
 */

const ATTEMPT = 'number deploymentId providerId providerName upstreamModel upstreamStatus latencyMs errorCode';
const REQUEST = `query($id: ID!) { request(id: $id) { requestId statusCode attempts attemptLog { ${ATTEMPT} } } }`;

interface Entry {
  requestId: string;
  statusCode: number;
  attempts: number;
  attemptLog: RequestAttemptShape[];
}

describe.each(testDatabaseKinds())('issue 10: every attempt of a request in the request log (%s)', (kind) => {
  const internalToken = randomBytes(24).toString('hex');
  let relay: RunningRelay;
  let dataDir: string;
  let database: TestDatabase;
  let upstream: Server;
  let graphql: ReturnType<typeof createGraphQLClient>;
  let broken: { providerId: string; routeId: string };
  let mock: { providerId: string; routeId: string };
  let keySecret: string;

  beforeAll(async () => {
    // The failing first deployment: an OpenAI-compatible upstream on loopback answering 500.
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom","type":"server_error","code":"internal"}}'));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;

    database = await openTestDatabase(kind);
    dataDir = await mkdtemp(join(tmpdir(), 'relay-issue10-attempts-'));
    relay = await startRelay({
      env: { RELAY_INTERNAL_TOKEN: internalToken, EVENT_FLUSH_INTERVAL_MS: '50' },
      dataDir,
      databaseUrl: database.url,
      dataplanePort: 0,
      controlplanePort: 0,
      seedDemo: true,
      logLevel: 'warn',
    });
    graphql = createGraphQLClient(`${relay.controlplaneUrl}/graphql`, relay.adminToken);
    const { providers } = await graphql<{ providers: Array<{ id: string; name: string }> }>('{ providers { id name } }');
    const mockProviderId = providers.find((p) => p.name === 'Mock provider')!.id;
    const { createProvider } = await graphql<{ createProvider: { id: string } }>('mutation($input: CreateProviderInput!) { createProvider(input: $input) { id } }', {
      input: { name: 'Broken upstream', type: 'OPENAI_COMPATIBLE', baseUrl: upstreamUrl, credential: 'sk-broken-upstream-0123456789' },
    });
    const { createModelAlias } = await graphql<{ createModelAlias: { routes: Array<{ id: string; provider: { id: string } }> } }>(
      'mutation($input: CreateModelAliasInput!) { createModelAlias(input: $input) { routes { id provider { id } } } }',
      {
        input: {
          alias: 'fallback-mini',
          routes: [
            { providerId: createProvider.id, upstreamModel: 'broken-1', priority: 0 },
            { providerId: mockProviderId, upstreamModel: 'mock-1', priority: 1 },
          ],
        },
      },
    );
    const routeOf = (providerId: string) => createModelAlias.routes.find((r) => r.provider.id === providerId)!.id;
    broken = { providerId: createProvider.id, routeId: routeOf(createProvider.id) };
    mock = { providerId: mockProviderId, routeId: routeOf(mockProviderId) };
    const { createKey } = await graphql<{ createKey: { secret: string } }>('mutation { createKey(input: { name: "attempts" }) { secret } }');
    keySecret = createKey.secret;
  }, 180_000);

  afterAll(async () => {
    await relay?.close();
    await new Promise((resolve) => upstream?.close(resolve));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await database?.cleanup();
  });

  /** The request log's entry for `id`, once its event has reached ClickHouse. */
  const entry = (id: string) =>
    eventually(async () => (await graphql<{ request: Entry | null }>(REQUEST, { id })).request ?? undefined, `request ${id} in the request log`, 300);

  it('a request answered by the second deployment lists both attempts, in order, with provider names', async () => {
    const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keySecret}` },
      body: JSON.stringify({ model: 'fallback-mini', messages: [{ role: 'user', content: 'every attempt' }] }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const requestId = response.headers.get('x-request-id')!;

    const logged = await entry(requestId);
    expect(logged).toMatchObject({ requestId, statusCode: 200, attempts: 2 });
    expect(logged.attemptLog).toEqual([
      {
        number: 1, deploymentId: broken.routeId, providerId: broken.providerId, providerName: 'Broken upstream', upstreamModel: 'broken-1',
        upstreamStatus: 500, latencyMs: expect.any(Number), errorCode: 'upstream_error',
      },
      {
        number: 2, deploymentId: mock.routeId, providerId: mock.providerId, providerName: 'Mock provider', upstreamModel: 'mock-1',
        upstreamStatus: 200, latencyMs: expect.any(Number), errorCode: null,
      },
    ]);
  }, 60_000);

  it('a request answered at once carries one attempt; a refused one none', async () => {
    const send = (model: string) =>
      fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keySecret}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'one attempt' }] }),
      });
    const ok = await send('relay-mini');
    await ok.arrayBuffer();
    const refused = await send('no-such-model');
    await refused.arrayBuffer();
    expect([ok.status, refused.status]).toEqual([200, 404]);
    const [single, none] = await Promise.all([entry(ok.headers.get('x-request-id')!), entry(refused.headers.get('x-request-id')!)]);
    expect(single.attemptLog).toEqual([expect.objectContaining({ number: 1, providerName: 'Mock provider', upstreamModel: 'mock-1', upstreamStatus: 200, errorCode: null })]);
    expect(none).toMatchObject({ attempts: 0, attemptLog: [] });
  }, 60_000);

  it('an event from a data plane before attempt_log still ingests, and has no attempts', async () => {
    const orgId = (await relay.services.db.prisma.organization.findFirstOrThrow()).id;
    const { attempt_log: _absent, ...old } = testRequestEvent({ org_id: orgId, attempts: 1 });
    expect(Object.keys(old)).not.toContain('attempt_log');
    const response = await fetch(`${relay.controlplaneUrl}/internal/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${internalToken}` },
      body: JSON.stringify({ batchId: `old-format-${randomBytes(4).toString('hex')}`, events: [old] }),
    });
    expect(response.status).toBe(202);
    expect(await entry(old.request_id)).toEqual({ requestId: old.request_id, statusCode: 200, attempts: 1, attemptLog: [] });
  }, 60_000);
});
