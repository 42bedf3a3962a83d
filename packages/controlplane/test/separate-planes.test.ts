import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { priceRequest, type TokenUsage } from '@proxystacks/shared/pricing/price-request';
import { createGraphQLClient, eventually } from './e2e/graphql-client.ts';
import { connectToControlplane, seedMockAlias, spawnRelay, type RelayProcess } from './e2e/relay-process.ts';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from './support/test-database.ts';

const PRICES = { inputMicrosPerMTok: 250_000, outputMicrosPerMTok: 1_000_000, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
/**
 * How long the test waits for a revocation to arrive. A correctness deadline, not the speed
 * target: how fast revocation is (well under the one-second target) is measured by
 * `pnpm bench` (packages/controlplane/bench/revocation.ts), never asserted on a noisy machine.
 */
const REVOCATION_DEADLINE_MS = 10_000;

interface SpendRow {
  keyId: string | null;
  model: string | null;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  costMicros: string;
}

/**
 * The production topology: `relay controlplane` and `relay dataplane` as two OS processes
 * started through the real CLI, talking only over the authenticated internal HTTP API
 * (snapshots one way, request events the other). Runs once per database kind.
 */
describe.each(testDatabaseKinds())('relay controlplane + relay dataplane as separate processes (%s)', (kind) => {
  const secrets = {
    RELAY_KEY_SECRET: randomBytes(24).toString('hex'),
    RELAY_MASTER_KEY: randomBytes(32).toString('hex'),
    RELAY_INTERNAL_TOKEN: randomBytes(24).toString('hex'),
  };
  const startedAt = Date.now();
  let database: TestDatabase;
  let controlplaneDir: string;
  let dataplaneDir: string;
  let controlplane: RelayProcess | undefined;
  let dataplane: RelayProcess | undefined;
  let controlplaneUrl: string;
  let dataplaneUrl: string;
  let graphql: ReturnType<typeof createGraphQLClient>;
  /** Used in tests 1–2, then revoked. */
  let appKey: { id: string; secret: string };
  /** Stays valid; serves while the control plane is down. */
  let survivorKey: { id: string; secret: string };

  function startControlplane(port: number): RelayProcess {
    controlplane = spawnRelay('controlplane', {
      ...secrets,
      RELAY_DATA_DIR: controlplaneDir,
      CONTROLPLANE_PORT: String(port),
      ...(database.url === null ? {} : { DATABASE_URL: database.url }),
    });
    return controlplane;
  }

  async function startDataplane(): Promise<{ url: string; snapshotVersion: string }> {
    dataplane = spawnRelay('dataplane', {
      CONTROLPLANE_URL: controlplaneUrl,
      RELAY_INTERNAL_TOKEN: secrets.RELAY_INTERNAL_TOKEN,
      RELAY_KEY_SECRET: secrets.RELAY_KEY_SECRET,
      RELAY_DATA_DIR: dataplaneDir,
      DATAPLANE_PORT: '0',
      EVENT_FLUSH_INTERVAL_MS: '100',
    });
    const [, url, snapshotVersion] = await dataplane.waitForLine(/^Data plane: (http:\/\/\S+)\/v1 \(snapshot (\S+)\)$/);
    return { url: url!, snapshotVersion: snapshotVersion! };
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    controlplaneDir = await mkdtemp(join(tmpdir(), 'relay-cp-'));
    dataplaneDir = await mkdtemp(join(tmpdir(), 'relay-dp-'));

    const cp = startControlplane(0);
    ({ url: controlplaneUrl, graphql } = await connectToControlplane(cp));
    const providerId = await seedMockAlias(graphql);
    await graphql('mutation($input: CreatePricingRuleInput!) { createPricingRule(input: $input) { id version } }', {
      input: {
        providerId,
        model: 'mock-1',
        inputMicrosPerMTok: String(PRICES.inputMicrosPerMTok),
        outputMicrosPerMTok: String(PRICES.outputMicrosPerMTok),
      },
    });
    appKey = await createKey('separate-planes-app');
    survivorKey = await createKey('separate-planes-survivor');

    dataplaneUrl = (await startDataplane()).url;
    // The data plane has fetched the snapshot holding all of the above.
    const { configSnapshot } = await graphql<{ configSnapshot: { version: number } }>('{ configSnapshot { version } }');
    await eventually(async () => ((await health()).snapshot_version >= configSnapshot.version ? true : undefined), 'the data plane to load the snapshot');
  });

  afterAll(async () => {
    await stopOrKill(dataplane);
    await stopOrKill(controlplane);
    await rm(controlplaneDir, { recursive: true, force: true });
    await rm(dataplaneDir, { recursive: true, force: true });
    await database?.cleanup();
  });

  it('serves chat completions and delivers their events to ClickHouse through the control plane', async () => {
    const client = new OpenAI({ apiKey: appKey.secret, baseURL: `${dataplaneUrl}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'relay-mini', messages: [{ role: 'user', content: 'Hello over two planes.' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({
      model: 'relay-mini',
      messages: [{ role: 'user', content: 'Stream across processes.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).not.toBe('');
    const streamUsage = chunks.at(-1)?.usage;
    expect(streamUsage?.completion_tokens).toBeGreaterThan(0);

    const usages: TokenUsage[] = [completion.usage!, streamUsage!].map((u) => ({
      promptTokens: u.prompt_tokens,
      completionTokens: u.completion_tokens,
      cachedTokens: 0,
      cacheWriteTokens: 0,
    }));
    const row = await eventually(async () => {
      const found = await spendForKey(appKey.id);
      return found !== undefined && found.requests >= 2 ? found : undefined;
    }, 'both events in ClickHouse');
    expect(row).toMatchObject({
      requests: 2,
      errors: 0,
      promptTokens: usages[0]!.promptTokens + usages[1]!.promptTokens,
      completionTokens: usages[0]!.completionTokens + usages[1]!.completionTokens,
      costMicros: String(usages.reduce((sum, usage) => sum + priceRequest(usage, PRICES), 0)),
    });
  });

  it('refuses a revoked key on the separate data plane once the revocation is published', async () => {
    await graphql('mutation($id: ID!) { revokeKey(id: $id) { id status } }', { id: appKey.id });
    const revokedAt = Date.now();
    let last: { status: number; body: unknown } = { status: 0, body: null };
    while (Date.now() - revokedAt < REVOCATION_DEADLINE_MS) {
      const tick = Date.now();
      last = await chat(appKey.secret);
      if (last.status === 401) break;
      expect(last.status).toBe(200);
      await delay(Math.max(0, 50 - (Date.now() - tick)));
    }
    const elapsedMs = Date.now() - revokedAt;
    console.log(`revocation reached the separate data plane in ${elapsedMs} ms`);
    expect(last).toMatchObject({ status: 401, body: { error: { code: 'api_key_revoked', type: 'invalid_request_error' } } });
    // The other key is untouched (checked without a completion, so its spend stays empty).
    expect((await fetch(`${dataplaneUrl}/v1/models`, { headers: { authorization: `Bearer ${survivorKey.secret}` } })).status).toBe(200);
  });

  it('guards the internal API with the internal token and validates event batches', async () => {
    const snapshotUrl = `${controlplaneUrl}/internal/v1/snapshot`;
    const eventsUrl = `${controlplaneUrl}/internal/v1/events`;
    const good = { authorization: `Bearer ${secrets.RELAY_INTERNAL_TOKEN}` };
    const bad = { authorization: `Bearer ${secrets.RELAY_INTERNAL_TOKEN.slice(0, -1)}x` };

    for (const headers of [bad, {}]) {
      const refused = await fetch(snapshotUrl, { headers });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    }

    const response = await fetch(snapshotUrl, { headers: good });
    expect(response.status).toBe(200);
    const snapshot = (await response.json()) as { hash: string; version: number; keys: Array<{ orgId: string }> };
    expect(snapshot.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(response.headers.get('etag')).toBe(`"${snapshot.hash}"`);
    const unchanged = await fetch(snapshotUrl, { headers: { ...good, 'if-none-match': `"${snapshot.hash}"` } });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');

    const probe = probeEvent(snapshot.keys[0]!.orgId, snapshot.version);
    const post = (headers: Record<string, string>, body: string) =>
      fetch(eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

    expect((await post(bad, JSON.stringify({ batchId: 'probe-batch-bad-token', events: [probe] }))).status).toBe(401);
    const notJson = await post(good, '{"batchId":');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: 'invalid_json' } });
    // One good event next to a bad one: the whole batch is refused, nothing is inserted.
    const mixed = await post(good, JSON.stringify({ batchId: 'probe-batch-mixed', events: [probe, { ...probe, status_code: 'ok' }] }));
    expect(mixed.status).toBe(400);
    expect(await mixed.json()).toMatchObject({ error: { code: 'invalid_value' } });
    expect(await spendForModel(probe.alias)).toBeUndefined();

    // The same good event alone is accepted, so the check above could have seen an insert.
    const accepted = await post(good, JSON.stringify({ batchId: 'probe-batch-alone', events: [probe] }));
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ accepted: 1 });
    expect(await spendForModel(probe.alias)).toMatchObject({ requests: 1, promptTokens: probe.prompt_tokens });
  });

  it('keeps serving from its last snapshot while the control plane is down, and delivers the queued event after', async () => {
    const port = new URL(controlplaneUrl).port;
    expect(await controlplane!.stop()).toBe(0);

    const served = await chat(survivorKey.secret);
    expect(served.status).toBe(200);
    const usage = (served.body as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    await eventually(async () => ((await health()).events_queued >= 1 ? true : undefined), 'the event to wait in the queue');

    const restarted = startControlplane(Number(port));
    await restarted.waitForLine(/^Control plane: /);
    const row = await eventually(async () => spendForKey(survivorKey.id), 'the queued event in ClickHouse', 600);
    expect(row).toMatchObject({
      requests: 1,
      promptTokens: usage.prompt_tokens,
      completionTokens: usage.completion_tokens,
      costMicros: String(priceRequest({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: 0, cacheWriteTokens: 0 }, PRICES)),
    });
    expect(restarted.stdout()).not.toMatch(/Admin token/);
  }, 120_000);

  it('starts a data plane from its snapshot on disk while the control plane is down', async () => {
    const { configSnapshot } = await graphql<{ configSnapshot: { version: number } }>('{ configSnapshot { version } }');
    expect(await controlplane!.stop()).toBe(0);
    expect(await dataplane!.stop()).toBe(0);
    expect((await stat(join(dataplaneDir, 'dataplane-snapshot.json'))).isFile()).toBe(true);

    const restarted = await startDataplane();
    expect(restarted.snapshotVersion).toBe(String(configSnapshot.version));
    dataplaneUrl = restarted.url;
    expect((await chat(survivorKey.secret)).status).toBe(200);
    // The copy on disk is the post-revocation snapshot: a restart cannot resurrect a key.
    expect(await chat(appKey.secret)).toMatchObject({ status: 401, body: { error: { code: 'api_key_revoked' } } });
  }, 120_000);

  async function createKey(name: string): Promise<{ id: string; secret: string }> {
    const { createKey: created } = await graphql<{ createKey: { secret: string; key: { id: string } } }>(
      'mutation($input: CreateKeyInput!) { createKey(input: $input) { secret key { id } } }',
      { input: { name } },
    );
    return { id: created.key.id, secret: created.secret };
  }

  async function chat(secret: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${dataplaneUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content: 'Are you there?' }] }),
    });
    return { status: response.status, body: await response.json() };
  }

  async function health(): Promise<{ snapshot_version: number; events_queued: number }> {
    const response = await fetch(`${dataplaneUrl}/healthz`);
    return (await response.json()) as { snapshot_version: number; events_queued: number };
  }

  async function spend(groupBy: 'KEY' | 'MODEL'): Promise<SpendRow[]> {
    const range = { from: new Date(startedAt - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
    const data = await graphql<{ spend: { rows: SpendRow[] } }>(
      `query($from: DateTime!, $to: DateTime!, $groupBy: SpendGroupBy!) {
        spend(from: $from, to: $to, groupBy: $groupBy) { rows { keyId model requests errors promptTokens completionTokens costMicros } }
      }`,
      { ...range, groupBy },
    );
    return data.spend.rows;
  }

  async function spendForKey(keyId: string): Promise<SpendRow | undefined> {
    return (await spend('KEY')).find((row) => row.keyId === keyId);
  }

  async function spendForModel(model: string): Promise<SpendRow | undefined> {
    return (await spend('MODEL')).find((row) => row.model === model);
  }
});

/** A complete, valid event under an alias no real request uses, so its row is easy to find. */
function probeEvent(orgId: string, snapshotVersion: number): RequestEvent {
  return testRequestEvent({
    org_id: orgId,
    alias: 'internal-api-probe',
    provider_id: '',
    prompt_tokens: 7,
    completion_tokens: 3,
    snapshot_version: snapshotVersion,
    latency_ms: 1,
    dataplane_id: 'separate-planes-test',
  });
}

/** SIGTERM, and SIGKILL if a graceful stop hangs, so a failed test never leaves a process behind. */
async function stopOrKill(relay: RelayProcess | undefined): Promise<void> {
  if (relay === undefined) return;
  const stopped = await Promise.race([relay.stop().then(() => true), delay(20_000).then(() => false)]);
  if (!stopped) {
    relay.child.kill('SIGKILL');
    await relay.exitCode();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
