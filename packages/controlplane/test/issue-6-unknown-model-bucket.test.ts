import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_EVENTS_TABLE } from '@proxystacks/shared/events/request-events-ddl';
import { startRelay, type RunningRelay } from '../src/runtime/start-relay.ts';
import { createGraphQLClient, eventually } from './e2e/graphql-client.ts';

/**
 * Issue 6, item 10: every string a client sent as `model` became an event alias, so one key
 * could mint unbounded analytics rows (LowCardinality column values, spend rows, metrics
 * series). 2,000 junk names through the real relay (uWS data plane, chDB) must land in one
 * alias bucket, and /metrics must carry one alias label for them.
 */
const JUNK = 2_000;
const CONCURRENCY = 20;
let relay: RunningRelay;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'relay-issue6-alias-'));
  relay = await startRelay({ dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn' });
}, 180_000);

afterAll(async () => {
  await relay?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function chat(model: string): Promise<number> {
  const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${relay.demoKey}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('unknown model names share one analytics bucket (issue 6)', () => {
  it('records 2,000 junk model names under one alias in ClickHouse, one spend row and one metrics label', async () => {
    const names = Array.from({ length: JUNK }, (_, i) => `junk-${i}-${randomBytes(6).toString('hex')}`);
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < names.length) statuses.push(await chat(names[next++]!));
      }),
    );
    expect(statuses.filter((s) => s === 404)).toHaveLength(JUNK);
    expect(await chat('relay-mini')).toBe(200);

    const { client, database } = relay.services.clickhouse;
    const byAlias = await eventually(async () => {
      const result = await client.query({
        query: `SELECT alias, count() AS n FROM ${database}.${REQUEST_EVENTS_TABLE} GROUP BY alias ORDER BY alias`,
        format: 'JSONEachRow',
      });
      const rows = (await result.json<{ alias: string; n: number | string }>()).map((r) => ({ alias: r.alias, n: Number(r.n) }));
      return rows.reduce((sum, r) => sum + r.n, 0) === JUNK + 1 ? rows : undefined;
    }, 'every event in ClickHouse', 600);
    expect(byAlias).toEqual([
      { alias: '(unknown)', n: JUNK },
      { alias: 'relay-mini', n: 1 },
    ]);

    const graphql = createGraphQLClient(`${relay.controlplaneUrl}/graphql`, relay.adminToken);
    const range = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    const { spend } = await graphql<{ spend: { rows: Array<{ model: string; requests: number }>; truncated: boolean } }>(
      'query($from: DateTime!, $to: DateTime!) { spend(from: $from, to: $to, groupBy: MODEL) { rows { model requests } truncated } }',
      range,
    );
    expect(spend.rows.map((r) => r.model).sort()).toEqual(['(unknown)', 'relay-mini']);

    const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as { internalToken: string };
    const metrics = await (await fetch(`${relay.dataplaneUrl}/metrics`, { headers: { authorization: `Bearer ${secrets.internalToken}` } })).text();
    const aliases = new Set([...metrics.matchAll(/^relay_requests_total\{alias="([^"]*)"/gm)].map((m) => m[1]));
    expect([...aliases].sort()).toEqual(['(unknown)', 'relay-mini']);
    expect(metrics).not.toContain('junk-');
  }, 300_000);
});
