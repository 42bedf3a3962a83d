import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { formatEventTime } from '@proxystacks/shared/events/request-events-ddl';
import { insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { querySpend } from '../../src/analytics/spend-query.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql-harness.ts';

const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const HOUR = 3_600_000;
const ROW_FIELDS = 'keyId keyName keyPrefix model requests errors promptTokens completionTokens cachedTokens costMicros p50LatencyMs p95LatencyMs';
const SPEND = `query($from: DateTime!, $to: DateTime!, $groupBy: SpendGroupBy!) {
  spend(from: $from, to: $to, groupBy: $groupBy) { from to totals { ${ROW_FIELDS} } rows { ${ROW_FIELDS} } }
}`;

interface SpendRow {
  keyId: string | null;
  keyName: string | null;
  keyPrefix: string | null;
  model: string | null;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costMicros: string;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

interface SpendReport {
  from: string;
  to: string;
  totals: SpendRow;
  rows: SpendRow[];
}

let h: GraphQLHarness;
let k1: { id: string; prefix: string };
let k2: { id: string; prefix: string };

function event(overrides: Partial<RequestEvent> & { atMs: number }): RequestEvent {
  const { atMs, ...rest } = overrides;
  return testRequestEvent({ ts: formatEventTime(atMs), org_id: h.orgId, provider_id: 'p1', dataplane_id: 'dp-test', ...rest });
}

beforeAll(async () => {
  h = await startGraphQLHarness();
  const create = async (name: string) =>
    (await h.ok<{ createKey: { key: { id: string; prefix: string } } }>(
      'mutation($input: CreateKeyInput!) { createKey(input: $input) { key { id prefix } } }',
      { input: { name } },
    )).createKey.key;
  k1 = await create('app-one');
  k2 = await create('app-two');

  const k1Ok = (i: number, extra: Partial<RequestEvent>) =>
    event({ atMs: T0 + i * 60_000, key_id: k1.id, ...extra });
  const duplicated = k1Ok(3, { prompt_tokens: 30, completion_tokens: 5, latency_ms: 300, cost_micros: 3000 });
  const events = [
    k1Ok(0, { prompt_tokens: 10, completion_tokens: 5, latency_ms: 100, cost_micros: 1000 }), // at T0: included
    k1Ok(2, { prompt_tokens: 20, completion_tokens: 5, cached_tokens: 4, latency_ms: 200, cost_micros: 2000 }),
    duplicated,
    k1Ok(4, { alias: 'no-such-model', status_code: 404, error_code: 'model_not_found', usage_source: 'none', latency_ms: 5 }),
    // More than 2^31 micros: must come back exact, as a string.
    event({ atMs: T0 + 10 * 60_000, key_id: k2.id, prompt_tokens: 1000, completion_tokens: 2000, latency_ms: 50, cost_micros: 12_345_678_901 }),
    // No key (rejected before authentication): in the totals and the model rows, in no key row.
    event({ atMs: T0 + 20 * 60_000, status_code: 401, error_code: 'invalid_api_key', usage_source: 'none', latency_ms: 1 }),
    // Outside [T0, T0 + 1h): never counted.
    event({ atMs: T0 - 1, key_id: k1.id, cost_micros: 777, latency_ms: 9 }),
    event({ atMs: T0 + HOUR, key_id: k1.id, cost_micros: 888, latency_ms: 9 }),
    // Another org's request, even with the same key id: never counted.
    event({ atMs: T0 + 30 * 60_000, org_id: randomUUID(), key_id: k1.id, cost_micros: 999, latency_ms: 9 }),
  ];
  // The same request twice in one batch too: inserts skip the merge pass over each block
  // (optimize_on_insert 0), so only FINAL collapses it, as it does across batches.
  await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, 'batch-1', [...events, duplicated]);
  // A retried delivery of one request in another batch: FINAL collapses it to one row.
  await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, 'batch-2', [duplicated]);
});

afterAll(async () => {
  await h?.close();
});

async function spend(groupBy: 'KEY' | 'MODEL', from = T0, to = T0 + HOUR): Promise<SpendReport> {
  const data = await h.ok<{ spend: SpendReport }>(SPEND, {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    groupBy,
  });
  return data.spend;
}

const TOTALS: SpendRow = {
  keyId: null,
  keyName: null,
  keyPrefix: null,
  model: null,
  requests: 6,
  errors: 2,
  promptTokens: 1060,
  completionTokens: 2015,
  cachedTokens: 4,
  costMicros: '12345684901',
  // Latencies 1, 5, 50, 100, 200, 300: quantileExact takes the value at index floor(level × n).
  p50LatencyMs: 100,
  p95LatencyMs: 300,
};

describe('spend over GraphQL', () => {
  it('groups by key, most expensive first, with names from Postgres', async () => {
    const report = await spend('KEY');
    expect(report.from).toBe('2025-03-01T00:00:00.000Z');
    expect(report.to).toBe('2025-03-01T01:00:00.000Z');
    expect(report.totals).toEqual(TOTALS);
    expect(report.rows).toEqual([
      {
        keyId: k2.id,
        keyName: 'app-two',
        keyPrefix: k2.prefix,
        model: null,
        requests: 1,
        errors: 0,
        promptTokens: 1000,
        completionTokens: 2000,
        cachedTokens: 0,
        costMicros: '12345678901',
        p50LatencyMs: 50,
        p95LatencyMs: 50,
      },
      {
        keyId: k1.id,
        keyName: 'app-one',
        keyPrefix: k1.prefix,
        model: null,
        requests: 4,
        errors: 1,
        promptTokens: 60,
        completionTokens: 15,
        cachedTokens: 4,
        costMicros: '6000',
        // Latencies 5, 100, 200, 300.
        p50LatencyMs: 200,
        p95LatencyMs: 300,
      },
    ]);
  });

  it('groups by the model alias the client sent', async () => {
    const report = await spend('MODEL');
    expect(report.totals).toEqual(TOTALS);
    const empty = { keyId: null, keyName: null, keyPrefix: null };
    expect(report.rows).toEqual([
      {
        ...empty,
        model: 'relay-mini',
        requests: 5,
        errors: 1,
        promptTokens: 1060,
        completionTokens: 2015,
        cachedTokens: 4,
        costMicros: '12345684901',
        // Latencies 1, 50, 100, 200, 300.
        p50LatencyMs: 100,
        p95LatencyMs: 300,
      },
      {
        ...empty,
        model: 'no-such-model',
        requests: 1,
        errors: 1,
        promptTokens: 0,
        completionTokens: 0,
        cachedTokens: 0,
        costMicros: '0',
        p50LatencyMs: 5,
        p95LatencyMs: 5,
      },
    ]);
  });

  it('treats the range as half-open [from, to)', async () => {
    const before = await spend('KEY', T0 - 1, T0);
    expect(before.totals).toMatchObject({ requests: 1, costMicros: '777' });
    const atEnd = await spend('KEY', T0 + HOUR, T0 + HOUR + 1);
    expect(atEnd.totals).toMatchObject({ requests: 1, costMicros: '888' });
    const firstMinute = await spend('MODEL', T0, T0 + 60_000);
    expect(firstMinute.totals).toMatchObject({ requests: 1, costMicros: '1000' });
  });

  it('answers an empty range with zero totals and null latencies', async () => {
    const report = await spend('KEY', T0 + 2 * HOUR, T0 + 3 * HOUR);
    expect(report.rows).toEqual([]);
    expect(report.totals).toEqual({
      ...TOTALS,
      requests: 0,
      errors: 0,
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      costMicros: '0',
      p50LatencyMs: null,
      p95LatencyMs: null,
    });
  });

  it('only ever counts the caller org (the query binds org_id as a parameter)', async () => {
    const other = await querySpend(h.clickhouse, { orgId: "x' OR 1=1 --", scope: { visibleTeams: 'all' }, from: new Date(T0), to: new Date(T0 + HOUR), groupBy: 'KEY' });
    expect(other.totals.requests).toBe(0);
    expect(other.rows).toEqual([]);
  });

  it('rejects reversed, empty and over-long ranges', async () => {
    const query = (from: string, to: string) => h.gql(SPEND, { from, to, groupBy: 'KEY' });
    const reversed = await query('2025-01-02T00:00:00Z', '2025-01-01T00:00:00Z');
    expect(reversed.body.errors?.[0]).toMatchObject({ message: '`from` must be before `to`.', extensions: { code: 'BAD_USER_INPUT' } });
    const empty = await query('2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
    expect(empty.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const long = await query('2024-01-01T00:00:00Z', '2025-01-01T00:00:01Z');
    expect(long.body.errors?.[0]).toMatchObject({ message: 'The range may span at most 366 days.', extensions: { code: 'BAD_USER_INPUT' } });
    const leapYear = await query('2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
    expect(leapYear.body.errors).toBeUndefined();
    const notIso = await query('yesterday', '2025-01-01T00:00:00Z');
    expect(notIso.body.errors?.[0]?.message).toMatch(/DateTime must be an ISO-8601 date-time/);
  });

  it('reports token counts past 2^31 exactly (GraphQL Int would overflow)', async () => {
    const DAY = 24 * HOUR;
    const at = T0 + 2 * DAY;
    const heavy = () => event({ atMs: at, key_id: k2.id, alias: 'bulk-model', prompt_tokens: 4_000_000_000, completion_tokens: 3_000_000_000, latency_ms: 7 });
    await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, 'batch-heavy', [heavy(), heavy()]);
    const report = await spend('MODEL', at, at + HOUR);
    expect(report.totals).toMatchObject({ requests: 2, promptTokens: 8_000_000_000, completionTokens: 6_000_000_000 });
    expect(report.rows).toEqual([expect.objectContaining({ model: 'bulk-model', promptTokens: 8_000_000_000 })]);
  });
});
