import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { formatEventTime } from '@proxystacks/shared/events/request-events-ddl';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';

/**
 * Issue 6, item 10: `spend(groupBy: MODEL)` answered one row per distinct alias with no limit
 * (one key made 20,000 junk rows), and no list of the API had a maximum. Every list is now
 * bounded: spend by `limit` with `truncated`, the request log by `first` (≤ 200), and the
 * configuration lists by `first` (≤ 1000) with `after` paging. A larger value is a clear
 * BAD_USER_INPUT error naming the argument, never a silent clamp.
 */
const T0 = Date.parse('2025-04-01T00:00:00.000Z');
const GROUPS = 1_500;
const RANGE = { from: new Date(T0 - 60_000).toISOString(), to: new Date(T0 + 3_600_000).toISOString() };
let h: GraphQLHarness;

beforeAll(async () => {
  h = await startGraphQLHarness();
  // Rows written before unknown names shared a bucket (or by an ingest of another build): one
  // distinct alias and one distinct key per event, each costing more than the next.
  const events = Array.from({ length: GROUPS }, (_, i) =>
    testRequestEvent({ ts: formatEventTime(T0 + i), org_id: h.orgId, key_id: `key-${i}`, alias: `junk-${i}`, cost_micros: GROUPS - i }),
  );
  await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, 'batch-junk', events);
}, 180_000);

afterAll(async () => {
  await h?.close();
});

const SPEND = `query($from: DateTime!, $to: DateTime!, $groupBy: SpendGroupBy!, $limit: Int) {
  spend(from: $from, to: $to, groupBy: $groupBy, limit: $limit) { totals { requests costMicros } rows { model keyId costMicros } truncated }
}`;
type Spend = { spend: { totals: { requests: number; costMicros: string }; rows: Array<{ model: string | null; keyId: string | null; costMicros: string }>; truncated: boolean } };

function refusal(body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }) {
  expect(body.errors, 'a GraphQL error').toHaveLength(1);
  return { message: body.errors![0]!.message, code: body.errors![0]!.extensions?.code, param: body.errors![0]!.extensions?.param };
}

describe('every GraphQL list is bounded (issue 6)', () => {
  it('returns at most `limit` spend rows, most expensive first, says when rows were cut, totals complete', async () => {
    for (const groupBy of ['MODEL', 'KEY']) {
      const byDefault = await h.ok<Spend>(SPEND, { ...RANGE, groupBy });
      expect(byDefault.spend.rows).toHaveLength(100);
      expect(byDefault.spend.truncated).toBe(true);
      expect(byDefault.spend.rows[0]!.costMicros).toBe(String(GROUPS));
      expect(byDefault.spend.totals.requests).toBe(GROUPS);

      const max = await h.ok<Spend>(SPEND, { ...RANGE, groupBy, limit: 1000 });
      expect(max.spend.rows).toHaveLength(1000);
      expect(max.spend.truncated).toBe(true);
    }
    const narrow = { from: RANGE.from, to: new Date(T0 + 10).toISOString() };
    const all = await h.ok<Spend>(SPEND, { ...narrow, groupBy: 'MODEL', limit: 10 });
    expect(all.spend.rows).toHaveLength(10);
    expect(all.spend.truncated).toBe(false);
  });

  it('refuses a spend limit outside 1–1000 with an error naming `limit`', async () => {
    for (const limit of [1001, 0, -5, 20_000]) {
      const { status, body } = await h.gql<Spend>(SPEND, { ...RANGE, groupBy: 'MODEL', limit });
      expect(status).toBe(200);
      expect(refusal(body)).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('`limit`') });
    }
  });

  it('refuses a request-log page over 200', async () => {
    const { body } = await h.gql(
      'query($from: DateTime!, $to: DateTime!) { requests(from: $from, to: $to, first: 201) { entries { requestId } } }',
      RANGE,
    );
    expect(refusal(body)).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('`first`') });
  });

  it('refuses `first` over 1000 on every configuration list', async () => {
    for (const list of ['keys', 'teams', 'providers', 'modelAliases', 'pricingRules']) {
      const { body } = await h.gql(`{ ${list}(first: 1001) { id } }`);
      expect({ list, ...refusal(body) }).toMatchObject({ list, code: 'BAD_USER_INPUT', message: expect.stringContaining('`first`') });
    }
  });

  it('pages a configuration list with `first` and `after`', async () => {
    for (let i = 0; i < 5; i++) await h.ok('mutation($n: String!) { createKey(input: { name: $n }) { key { id } } }', { n: `paged-${i}` });
    const all = (await h.ok<{ keys: Array<{ id: string }> }>('{ keys { id } }')).keys.map((k) => k.id);
    expect(all.length).toBe(5);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Array<{ id: string }> = (await h.ok<{ keys: Array<{ id: string }> }>('query($after: ID) { keys(first: 2, after: $after) { id } }', { after })).keys;
      seen.push(...page.map((k) => k.id));
      if (page.length < 2) break;
      after = page.at(-1)!.id;
    }
    expect(seen).toEqual(all);
    const { body } = await h.gql('{ teams(after: "00000000-0000-4000-8000-000000000000") { id } }');
    expect(refusal(body)).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('`after`') });
  });

  it('caps the routes of one alias, so ModelAlias.routes stays bounded', async () => {
    const { createProvider } = await h.ok<{ createProvider: { id: string } }>('mutation { createProvider(input: { name: "P", type: MOCK }) { id } }');
    const models = Array.from({ length: 20 }, (_, i) => ({ providerId: createProvider.id, upstreamModel: `m-${i}` }));
    const { createModelAlias } = await h.ok<{ createModelAlias: { id: string } }>(
      'mutation($routes: [ModelRouteInput!]!) { createModelAlias(input: { alias: "wide", routes: $routes }) { id } }',
      { routes: models },
    );
    const { body } = await h.gql('mutation($a: ID!, $p: ID!) { addModelRoute(aliasId: $a, input: { providerId: $p, upstreamModel: "m-20" }) { id } }', {
      a: createModelAlias.id,
      p: createProvider.id,
    });
    expect(refusal(body)).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('at most 20 routes') });
  });
});
