import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import { validateRequestEvent, type RequestEvent } from '@proxystacks/shared/events/request-event';
import { formatEventTime, REQUEST_EVENT_COLUMNS_ADDED_IN_0005 } from '@proxystacks/shared/events/request-events-ddl';
import { ROLLUPS, rollupViewName } from '@proxystacks/shared/events/request-rollups-ddl';
import { insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { pino } from 'pino';
import { migrateClickHouse } from '../src/analytics/clickhouse.ts';
import { buildSnapshot } from '../src/domain/build-snapshot.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';
import { backToInstallAt0004 } from './support/clickhouse-at-0004.ts';

/** Issue 9: response cache settings (alias, key) and cost saved in the request log and spend. */
let h: GraphQLHarness;
let aliasId: string;
let keyId: string;
const T0 = Date.parse('2025-06-01T00:00:00.000Z');

beforeAll(async () => {
  h = await startGraphQLHarness();
  const { createProvider } = await h.ok<{ createProvider: { id: string } }>('mutation($input: CreateProviderInput!) { createProvider(input: $input) { id } }', {
    input: { name: 'mock-cache', type: 'MOCK' },
  });
  aliasId = (await h.ok<{ createModelAlias: { id: string } }>('mutation($p: ID!) { createModelAlias(input: { alias: "cached", routes: [{ providerId: $p, upstreamModel: "mock-1" }] }) { id } }', { p: createProvider.id })).createModelAlias.id;
  keyId = (await h.ok<{ createKey: { key: { id: string } } }>('mutation { createKey(input: { name: "cache-key" }) { key { id } } }')).createKey.key.id;
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const snapshot = () => buildSnapshot(h.db.prisma, { version: 1, masterKey: h.masterKey, snapshotKey: generateSecretKey() });

describe('response cache settings', () => {
  it('turns the cache on for an alias (audited, in the snapshot) and refuses a TTL out of range', async () => {
    const changes = h.configChanges();
    const { setAliasResponseCache } = await h.ok<{ setAliasResponseCache: { responseCacheTtlSeconds: number | null; responseCacheToolStreams: boolean } }>(
      'mutation($id: ID!) { setAliasResponseCache(aliasId: $id, ttlSeconds: 300, cacheToolStreams: true) { responseCacheTtlSeconds responseCacheToolStreams } }',
      { id: aliasId },
    );
    expect(setAliasResponseCache).toEqual({ responseCacheTtlSeconds: 300, responseCacheToolStreams: true });
    expect(h.configChanges()).toBeGreaterThan(changes);
    expect((await snapshot()).routes.find((r) => r.alias === 'cached')).toMatchObject({ responseCacheTtlSeconds: 300, responseCacheToolStreams: true });
    const audit = await h.db.prisma.auditEntry.findFirst({ where: { objectId: aliasId }, orderBy: { at: 'desc' } });
    expect(JSON.stringify(audit?.after)).toContain('"responseCacheTtlSeconds":300');
    const refused = await h.gql('mutation($id: ID!) { setAliasResponseCache(aliasId: $id, ttlSeconds: 0) { id } }', { id: aliasId });
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', param: 'ttlSeconds' });
  });

  it('lets a key opt out (0) or back to the alias setting (null), audited and in the snapshot', async () => {
    const set = (ttl: number | null) =>
      h.ok<{ setKeyResponseCache: { responseCacheTtlSeconds: number | null } }>('mutation($id: ID!, $ttl: Int) { setKeyResponseCache(id: $id, ttlSeconds: $ttl) { responseCacheTtlSeconds } }', { id: keyId, ttl });
    expect((await set(0)).setKeyResponseCache.responseCacheTtlSeconds).toBe(0);
    expect((await snapshot()).keys.find((k) => k.id === keyId)?.responseCacheTtlSeconds).toBe(0);
    expect(await h.db.prisma.auditEntry.count({ where: { objectId: keyId } })).toBeGreaterThanOrEqual(2);
    expect((await set(null)).setKeyResponseCache.responseCacheTtlSeconds).toBeNull();
  });
});

describe('cost saved in analytics', () => {
  it('migration 0005 adds the columns to a table from before it, and has the rollups sum them', async () => {
    const ch = h.clickhouse;
    // Back to an install at 0004: its views (cost saved kept at 0), no cache_hits in its rollups,
    // no columns in the events, and none of 0007's rollups yet (they come after 0005).
    const replayed = ['0005_request_events_cost_saved', '0007_request_rollup_totals'];
    await backToInstallAt0004(ch, REQUEST_EVENT_COLUMNS_ADDED_IN_0005, replayed);
    expect((await migrateClickHouse(ch, pino({ level: 'silent' }))).applied).toEqual(replayed);
    const columns = await (await ch.client.query({ query: `SELECT name, type, default_expression FROM system.columns WHERE database = {db:String} AND table = 'request_events' AND name IN ('cost_saved_micros', 'cache_hit') ORDER BY name`, query_params: { db: ch.database }, format: 'JSONEachRow' })).json();
    expect(columns).toEqual([
      { name: 'cache_hit', type: 'Bool', default_expression: 'false' },
      { name: 'cost_saved_micros', type: 'UInt64', default_expression: '0' },
    ]);
    for (const rollup of ROLLUPS) {
      const view = await (await ch.client.query({ query: `SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = {v:String}`, query_params: { db: ch.database, v: rollupViewName(rollup) }, format: 'JSONEachRow' })).json<{ q: string }>();
      expect(view[0]?.q, rollup.table).toContain('sum(cost_saved_micros)');
      expect(view[0]?.q, rollup.table).toContain('countIf(cache_hit)');
    }
  });

  it('shows cache hits and their saving in the request log and the spend totals', async () => {
    const event = (atMs: number, overrides: Partial<RequestEvent>) => testRequestEvent({ ts: formatEventTime(atMs), org_id: h.orgId, key_id: keyId, alias: 'cached', ...overrides });
    const hit = event(T0, { cache_hit: true, cost_micros: 0, cost_saved_micros: 1234 });
    const fallback = event(T0 + 1000, { cost_micros: 40, cost_saved_micros: 60, attempts: 2 });
    // An event from a data plane older than the columns: the ingest validator fills the defaults.
    const { cost_saved_micros: _saved, cache_hit: _hit, ...older } = event(T0 + 2000, { cost_micros: 500 });
    await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, 'issue-9-cache', [hit, fallback, validateRequestEvent(older)]);
    const range = { from: new Date(T0).toISOString(), to: new Date(T0 + 60_000).toISOString() };
    const { spend } = await h.ok<{ spend: { totals: { costMicros: string; costSavedMicros: string }; rows: Array<{ model: string; costSavedMicros: string }> } }>(
      'query($from: DateTime!, $to: DateTime!) { spend(from: $from, to: $to, groupBy: MODEL) { totals { costMicros costSavedMicros } rows { model costSavedMicros } } }',
      range,
    );
    expect(spend.totals).toEqual({ costMicros: '540', costSavedMicros: '1294' });
    expect(spend.rows).toEqual([{ model: 'cached', costSavedMicros: '1294' }]);
    // The overview's totals read the rollups (minute and hour, as the range allows) and the raw events alike.
    const top = (from: number, to: number) =>
      h.ok<{ topN: { source: string; totals: { costMicros: string; costSavedMicros: string; cacheHits: number } } }>(
        'query($from: DateTime!, $to: DateTime!) { topN(by: MODEL, from: $from, to: $to, metrics: [COST, COST_SAVED]) { source totals { costMicros costSavedMicros cacheHits } } }',
        { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      );
    const totals = { costMicros: '540', costSavedMicros: '1294', cacheHits: 1 };
    expect((await top(T0, T0 + 60_000)).topN).toEqual({ source: 'MINUTE_ROLLUP', totals });
    expect((await top(T0, T0 + 3_600_000)).topN).toEqual({ source: 'HOUR_ROLLUP', totals });
    expect((await top(T0 - 1, T0 + 60_000)).topN).toEqual({ source: 'RAW', totals });
    const { requests } = await h.ok<{ requests: { entries: Array<{ requestId: string; cacheHit: boolean; costSavedMicros: string }> } }>(
      'query($from: DateTime!, $to: DateTime!) { requests(from: $from, to: $to) { entries { requestId cacheHit costSavedMicros } } }',
      range,
    );
    expect(requests.entries).toEqual([
      { requestId: older.request_id, cacheHit: false, costSavedMicros: '0' },
      { requestId: fallback.request_id, cacheHit: false, costSavedMicros: '60' },
      { requestId: hit.request_id, cacheHit: true, costSavedMicros: '1234' },
    ]);
  });
});
