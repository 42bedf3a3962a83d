import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import { startRelay, type RunningRelay } from '../src/runtime/start-relay.ts';
import { createGraphQLClient, eventually } from './e2e/graphql-client.ts';

/**
 * Issue 11: `relay start` with DATAPLANE_WORKERS=2 runs two data plane processes on one port, as
 * `relay dataplane` runs its workers: both serve, a mutation answers only once both have its
 * snapshot (a revoked key is refused by every process the moment revokeKey returns), a metrics
 * scrape answers for both, and the events of both reach ClickHouse.
 */
const REQUESTS = 60;
let relay: RunningRelay;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'relay-start-workers-'));
  relay = await startRelay({ env: { DATAPLANE_WORKERS: '2' }, dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn' });
}, 180_000);

afterAll(async () => {
  await relay?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Statuses of `count` chat requests with `key`, each on a connection of its own (the kernel spreads new connections over the processes). */
async function chats(key: string, count: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, connection: 'close' },
        body: JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await response.arrayBuffer();
      return response.status;
    }),
  );
}

describe('relay start with two data plane processes (issue 11)', () => {
  it('serves from both, answers a scrape for both, and sends the events of both', async () => {
    const pids = relay.dataplanePids();
    expect(pids).toHaveLength(2);
    expect(new Set(pids).size).toBe(2);
    expect(pids.every((pid) => pid !== null && pid !== process.pid)).toBe(true);

    expect(await chats(relay.demoKey!, REQUESTS)).toEqual(new Array(REQUESTS).fill(200));

    const { internalToken } = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as { internalToken: string };
    const metrics = await (await fetch(`${relay.dataplaneUrl}/metrics`, { headers: { authorization: `Bearer ${internalToken}` } })).text();
    const served = new Map([...metrics.matchAll(/^relay_requests_total\{([^}]*)\} (\d+)/gm)].map((m) => [/worker="(\d+)"/.exec(m[1]!)?.[1], Number(m[2])]));
    expect([...served.keys()].sort()).toEqual(['0', '1']);
    expect([...served.values()].every((n) => n > 0)).toBe(true);

    const { client, database } = relay.services.clickhouse;
    const byProcess = await eventually(async () => {
      const result = await client.query({ query: `SELECT dataplane_id, count() AS n FROM ${database}.${REQUEST_EVENTS_TABLE} GROUP BY dataplane_id ORDER BY dataplane_id`, format: 'JSONEachRow' });
      const rows = (await result.json<{ dataplane_id: string; n: number | string }>()).map((r) => ({ id: r.dataplane_id, n: Number(r.n) }));
      return rows.reduce((sum, r) => sum + r.n, 0) >= REQUESTS ? rows : undefined;
    }, 'every event in ClickHouse', 600);
    expect(byProcess.map((r) => r.id.replace(/^.*\//, ''))).toEqual(['w0', 'w1']);
  });

  it('refuses a revoked key in every process once revokeKey has answered', async () => {
    const graphql = createGraphQLClient(`${relay.controlplaneUrl}/graphql`, relay.adminToken);
    const { createKey } = await graphql<{ createKey: { secret: string; key: { id: string } } }>('mutation { createKey(input: { name: "two processes" }) { secret key { id } } }');
    expect(await chats(createKey.secret, 20)).toEqual(new Array(20).fill(200));
    await graphql('mutation($id: ID!) { revokeKey(id: $id) { id } }', { id: createKey.key.id });
    expect(await chats(createKey.secret, REQUESTS)).toEqual(new Array(REQUESTS).fill(401));
  });
});
