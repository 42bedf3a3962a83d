import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '../src/runtime/start-relay.ts';
import { createGraphQLClient } from './e2e/graphql-client.ts';
import { subscribeOverSse, type SseSubscription } from './support/sse-subscription.ts';
import { testDatabaseKinds, openTestDatabase, type TestDatabase } from './support/test-database.ts';

/**
 * Issue 10: the live tail. `requestTail` over SSE (as Yoga serves GraphQL subscriptions, and
 * urql's `fetchSubscriptions` consumes them) delivers a request sent through the real data
 * plane once its event reaches the control plane's ingest, scoped like `requests`: a viewer
 * limited to one team never receives another team's request, and naming that team is refused.
 */

const ENTRY = 'requestId teamId teamName keyId keyName model statusCode errorCode';
const TAIL = `subscription($teamId: ID, $status: RequestStatusFilter) { requestTail(teamId: $teamId, status: $status) { ${ENTRY} } }`;

interface Entry {
  requestId: string;
  teamId: string;
  teamName: string;
  keyId: string;
  keyName: string;
  model: string;
  statusCode: number;
  errorCode: string | null;
}
type Tail = SseSubscription<{ requestTail: Entry | null }>;

describe.each(testDatabaseKinds())('issue 10: requestTail over SSE (%s)', (kind) => {
  let relay: RunningRelay;
  let dataDir: string;
  let database: TestDatabase;
  let graphql: ReturnType<typeof createGraphQLClient>;
  const teams: Record<'alpha' | 'beta', { id: string; keySecret: string; keyId: string }> = {} as never;
  let betaAnalyst: string;
  const open: Tail[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    dataDir = await mkdtemp(join(tmpdir(), 'relay-issue10-tail-'));
    relay = await startRelay({ dataDir, databaseUrl: database.url, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn' });
    graphql = createGraphQLClient(`${relay.controlplaneUrl}/graphql`, relay.adminToken);
    for (const name of ['alpha', 'beta'] as const) {
      const { createTeam } = await graphql<{ createTeam: { id: string } }>('mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }', { input: { name } });
      const { createKey } = await graphql<{ createKey: { secret: string; key: { id: string } } }>(
        'mutation($input: CreateKeyInput!) { createKey(input: $input) { secret key { id } } }',
        { input: { name: `${name}-key`, teamId: createTeam.id } },
      );
      teams[name] = { id: createTeam.id, keySecret: createKey.secret, keyId: createKey.key.id };
    }
    const { createApiToken } = await graphql<{ createApiToken: { token: string } }>(
      'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }',
      { input: { name: 'beta analyst', role: 'ANALYST', teamId: teams.beta.id } },
    );
    betaAnalyst = createApiToken.token;
  }, 180_000);

  afterAll(async () => {
    for (const tail of open) tail.close();
    await relay?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await database?.cleanup();
  });

  async function subscribe(token: string, variables: Record<string, unknown> = {}): Promise<Tail> {
    const tail = await subscribeOverSse<{ requestTail: Entry | null }>(`${relay.controlplaneUrl}/graphql`, token, TAIL, variables);
    open.push(tail);
    return tail;
  }

  /** A chat completion through the data plane with `secret`; its request id. */
  async function chat(secret: string, model = 'relay-mini'): Promise<string> {
    const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'live tail' }] }),
    });
    await response.arrayBuffer();
    return response.headers.get('x-request-id')!;
  }

  async function nextEntry(tail: Tail): Promise<Entry> {
    const result = await tail.next();
    expect(result?.errors).toBeUndefined();
    return result!.data!.requestTail!;
  }

  it('streams a request sent through the data plane, with names, to an organization viewer', async () => {
    const everything = await subscribe(relay.adminToken);
    const errorsOnly = await subscribe(relay.adminToken, { status: 'ERROR' });
    expect(everything.status).toBe(200);
    expect(everything.contentType).toMatch(/^text\/event-stream/);

    const requestId = await chat(teams.alpha.keySecret);
    expect(await nextEntry(everything)).toEqual({
      requestId, teamId: teams.alpha.id, teamName: 'alpha', keyId: teams.alpha.keyId, keyName: 'alpha-key', model: 'relay-mini', statusCode: 200, errorCode: null,
    });
    // The filters are the request log's: a 404 (unknown model) is the errors-only tail's first item.
    const failedId = await chat(teams.alpha.keySecret, 'no-such-model');
    expect(await nextEntry(errorsOnly)).toMatchObject({ requestId: failedId, statusCode: 404, errorCode: 'model_not_found' });
    expect(await nextEntry(everything)).toMatchObject({ requestId: failedId });
  }, 60_000);

  it("never shows a team-scoped viewer another team's request, and refuses naming that team", async () => {
    const beta = await subscribe(betaAnalyst);
    const org = await subscribe(relay.adminToken);
    const alphaId = await chat(teams.alpha.keySecret);
    // The alpha request has reached the tail (the org viewer has it) before beta's is sent, so
    // had the beta viewer been given it, it would be the first thing it received.
    expect((await nextEntry(org)).requestId).toBe(alphaId);
    const betaId = await chat(teams.beta.keySecret);
    expect(await nextEntry(beta)).toMatchObject({ requestId: betaId, teamId: teams.beta.id });
    expect((await nextEntry(org)).requestId).toBe(betaId);

    const refused = await subscribe(betaAnalyst, { teamId: teams.alpha.id });
    const answer = await refused.next();
    expect(answer?.errors?.map((e) => e.extensions?.code)).toEqual(['forbidden']);
  }, 60_000);
});
