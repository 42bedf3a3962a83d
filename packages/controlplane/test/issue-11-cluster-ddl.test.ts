import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_SHARDING_KEYS, clusterDatabaseDDL, clusterMigrationsTableDDL, LOCAL_TABLE_SUFFIX, toClusterStatements } from '@proxystacks/shared/events/cluster-ddl';
import { REQUEST_EVENT_COLUMNS_ADDED_IN_0002, REQUEST_EVENT_COLUMNS_ADDED_IN_0005, REQUEST_EVENT_COLUMNS_ADDED_IN_0006, REQUEST_EVENT_COLUMNS_ADDED_IN_0008, REQUEST_EVENTS_TABLE, requestEventsAddColumns, requestEventsDDL } from '@proxystacks/shared/events/request-events-ddl';
import {
  requestIdIndexDDL,
  ROLLUP_TABLES as ROLLUP_TABLES_0003,
  rollupBackfillSQL as rollupBackfillSQL0003,
  rollupTableDDL as rollupTableDDL0003,
  rollupViewDDL as rollupViewDDL0003,
  rollupViewName as rollupViewName0003,
} from '@proxystacks/shared/events/request-rollups-0003-ddl';
import { eventTimeIndexDDL, keyIdIndexDDL, retentionTTL, ROLLUP_CACHE_HITS, rollupCostSavedDDL, rollupMeasures, ROLLUPS, ROLLUPS_0004, ROLLUPS_0007, rollupBackfillSQL, rollupTableDDL, rollupViewDDL, rollupViewName } from '@proxystacks/shared/events/request-rollups-ddl';
import { clickHouseMigrationPlan, createClickHouse, migrateClickHouse, type ClickHouse } from '../src/analytics/clickhouse.ts';
import { loadControlplaneConfig } from '../src/config.ts';

/**
 * Issue 11: with CLICKHOUSE_CLUSTER set, the analytics migrations create replicated local tables
 * ON CLUSTER with Distributed tables over them under the single-node names, generated from the
 * single-node DDL (so from the same column lists). chDB has no Keeper and no remote servers, so
 * Replicated and Distributed tables cannot be created here: every cluster statement is checked by
 * ClickHouse's own parser (formatQuery in chDB 26) and structurally against the single-node
 * tables, which are created for real.
 */

const DB = 'relay_cluster_ddl';
const CLUSTER = 'relay_cluster';
const SECRETS = { RELAY_MASTER_KEY: 'ab'.repeat(32), RELAY_KEY_SECRET: 'k'.repeat(32), RELAY_INTERNAL_TOKEN: 't'.repeat(32) };

let dir: string;
let ch: ClickHouse;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-cluster-ddl-'));
  ch = await createClickHouse({ url: null, chdbPath: join(dir, 'chdb'), database: DB });
  await migrateClickHouse(ch, { info: () => undefined });
}, 120_000);

afterAll(async () => {
  await ch?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The statement as ClickHouse's parser reads it back (throws on a syntax error). */
async function formatted(query: string): Promise<string> {
  const result = await ch.client.query({ query: 'SELECT formatQuery({q:String}) AS f', query_params: { q: query }, format: 'JSONEachRow' });
  const [row] = await result.json<{ f: string }>();
  return row!.f;
}

/** The column block `( … )` of a formatted CREATE TABLE. */
function columnBlock(formattedCreate: string): string {
  const match = /\n\(\n([\s\S]*?)\n\)\nENGINE/.exec(formattedCreate);
  if (match === null) throw new Error(`No column block in ${formattedCreate.slice(0, 80)}`);
  return match[1]!;
}

const clusterPlan = () => clickHouseMigrationPlan(DB, CLUSTER);
const allClusterStatements = () => clusterPlan().flatMap((m) => m.statements.map((s) => s.query));
const GRAINS_0003 = ['minute', 'hour'] as const;
/** CREATE TABLE of every table any migration creates (0003's rollups are later dropped by 0004; 0005 adds a column to 0004's). */
const singleCreates = (): Record<string, string> => ({
  [REQUEST_EVENTS_TABLE]: requestEventsDDL(DB),
  ...Object.fromEntries(GRAINS_0003.map((grain) => [ROLLUP_TABLES_0003[grain], rollupTableDDL0003(DB, grain)])),
  // 0004's rollups as 0004 created them (0005 alters them); 0007's are created with today's columns.
  ...Object.fromEntries(ROLLUPS_0004.map((rollup) => [rollup.table, rollupTableDDL(DB, rollup, '0004')])),
  ...Object.fromEntries(ROLLUPS_0007.map((rollup) => [rollup.table, rollupTableDDL(DB, rollup)])),
});
/** CREATE MATERIALIZED VIEW of every view the migrations create, in order, with its name (0005 replaces 0004's, 0007 adds its own). */
const singleViews = (): Array<[string, string]> => [
  ...GRAINS_0003.map((grain): [string, string] => [rollupViewName0003(grain), rollupViewDDL0003(DB, grain)]),
  ...ROLLUPS_0004.map((rollup): [string, string] => [rollupViewName(rollup), rollupViewDDL(DB, rollup, '0004')]),
  ...ROLLUPS_0004.map((rollup): [string, string] => [rollupViewName(rollup), rollupViewDDL(DB, rollup)]),
  ...ROLLUPS_0007.map((rollup): [string, string] => [rollupViewName(rollup), rollupViewDDL(DB, rollup)]),
];
/** The backfill cutoff a migration's first INSERT was generated with (it is taken at plan time). */
const cutoffOf = (statements: Array<{ query: string }>): string => /toDateTime64\('([^']+)', 3, 'UTC'\)/.exec(statements.find((s) => s.query.startsWith('INSERT INTO'))!.query)![1]!;

describe('single node (no CLICKHOUSE_CLUSTER)', () => {
  it('runs exactly the single-node DDL of migrations 0001–0008, and leaves plain (non-replicated) tables', async () => {
    const plan = clickHouseMigrationPlan(DB, null);
    expect(plan.map((m) => m.name)).toEqual(['0001_request_events', '0002_request_events_tenancy', '0003_request_rollups', '0004_request_rollups_by_width', '0005_request_events_cost_saved', '0006_request_events_attempt_log', '0007_request_rollup_totals', '0008_request_events_cache_write']);
    expect(plan[0]!.statements).toEqual([{ query: requestEventsDDL(DB), settings: {} }]);
    expect(plan[1]!.statements).toEqual(requestEventsAddColumns(DB, REQUEST_EVENT_COLUMNS_ADDED_IN_0002).map((query) => ({ query, settings: {} })));
    const cutoff0003 = cutoffOf(plan[2]!.statements);
    expect(plan[2]!.statements).toEqual([
      ...[...GRAINS_0003.map((grain) => rollupTableDDL0003(DB, grain)), ...GRAINS_0003.map((grain) => rollupViewDDL0003(DB, grain))].map((query) => ({ query, settings: {} })),
      ...GRAINS_0003.map((grain) => ({ query: rollupBackfillSQL0003(DB, grain, cutoff0003), settings: { insert_deduplication_token: `relay-0003-backfill-${grain}` } })),
      ...requestIdIndexDDL(DB).map((query) => ({ query, settings: {} })),
    ]);
    const cutoff0004 = cutoffOf(plan[3]!.statements);
    expect(plan[3]!.statements).toEqual([
      ...[
        ...GRAINS_0003.flatMap((grain) => [`DROP VIEW IF EXISTS ${DB}.${rollupViewName0003(grain)}`, `DROP TABLE IF EXISTS ${DB}.${ROLLUP_TABLES_0003[grain]}`]),
        ...ROLLUPS_0004.map((rollup) => rollupTableDDL(DB, rollup, '0004')),
        ...ROLLUPS_0004.map((rollup) => rollupViewDDL(DB, rollup, '0004')),
      ].map((query) => ({ query, settings: {} })),
      ...ROLLUPS_0004.map((rollup) => ({ query: rollupBackfillSQL(DB, rollup, cutoff0004, '0004'), settings: { insert_deduplication_token: `relay-0004-backfill-${rollup.table}` } })),
      ...eventTimeIndexDDL(DB).map((query) => ({ query, settings: {} })),
    ]);
    expect(plan[4]!.statements).toEqual([...requestEventsAddColumns(DB, REQUEST_EVENT_COLUMNS_ADDED_IN_0005), ...rollupCostSavedDDL(DB)].map((query) => ({ query, settings: {} })));
    expect(plan[5]!.statements).toEqual(requestEventsAddColumns(DB, REQUEST_EVENT_COLUMNS_ADDED_IN_0006).map((query) => ({ query, settings: {} })));
    const cutoff0007 = cutoffOf(plan[6]!.statements);
    expect(plan[6]!.statements).toEqual([
      ...[...ROLLUPS_0007.map((rollup) => rollupTableDDL(DB, rollup)), ...ROLLUPS_0007.map((rollup) => rollupViewDDL(DB, rollup))].map((query) => ({ query, settings: {} })),
      ...ROLLUPS_0007.map((rollup) => ({ query: rollupBackfillSQL(DB, rollup, cutoff0007), settings: { insert_deduplication_token: `relay-0007-backfill-${rollup.table}` } })),
      ...keyIdIndexDDL(DB).map((query) => ({ query, settings: {} })),
    ]);
    expect(plan[7]!.statements).toEqual(requestEventsAddColumns(DB, REQUEST_EVENT_COLUMNS_ADDED_IN_0008).map((query) => ({ query, settings: {} })));
    // Every rollup (0004's altered by 0005, 0007's created after it) has today's columns, in today's order.
    for (const rollup of ROLLUPS) {
      const columns = await ch.client.query({ query: 'SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position', query_params: { db: DB, t: rollup.table }, format: 'JSONEachRow' });
      expect((await columns.json<{ name: string }>()).map((c) => c.name), rollup.table).toEqual(['bucket', ...rollup.dimensions, ...rollupMeasures().map((m) => m.name)]);
    }
    const result = await ch.client.query({ query: 'SELECT name, engine FROM system.tables WHERE database = {db:String} ORDER BY name', query_params: { db: DB }, format: 'JSONEachRow' });
    expect(await result.json()).toEqual(
      [
        { name: '_relay_migrations', engine: 'MergeTree' },
        { name: REQUEST_EVENTS_TABLE, engine: 'ReplacingMergeTree' },
        ...ROLLUPS.flatMap((rollup) => [
          { name: rollup.table, engine: 'AggregatingMergeTree' },
          { name: rollupViewName(rollup), engine: 'MaterializedView' },
        ]),
      ].sort((a, b) => (a.name < b.name ? -1 : 1)),
    );
  });
});

describe('cluster (CLICKHOUSE_CLUSTER)', () => {
  it('every statement parses in ClickHouse and runs on every node (ON CLUSTER), except inserts through Distributed tables', async () => {
    const statements = [clusterDatabaseDDL(DB, CLUSTER), clusterMigrationsTableDDL(DB, CLUSTER), ...allClusterStatements()];
    for (const statement of statements) {
      const text = await formatted(statement);
      if (statement.startsWith('INSERT INTO ')) expect(text).not.toContain('ON CLUSTER');
      else expect(text).toContain(`ON CLUSTER ${CLUSTER}`);
    }
    expect(await formatted(clusterMigrationsTableDDL(DB, CLUSTER))).toContain(`ReplicatedMergeTree('/clickhouse/tables/all/${DB}/_relay_migrations', '{shard}-{replica}')`);
  });

  it('each sharded table becomes a replicated local table with the single-node columns, key and settings, and a Distributed table under its name', async () => {
    const statements = allClusterStatements();
    const single = singleCreates();
    expect(Object.keys(single).sort()).toEqual(Object.keys(CLUSTER_SHARDING_KEYS).sort());
    for (const [table, singleDDL] of Object.entries(single)) {
      const local = `${table}${LOCAL_TABLE_SUFFIX}`;
      const localDDL = statements.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${DB}.${local} `));
      const distributedDDL = statements.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${DB}.${table} `));
      expect(localDDL, local).toBeDefined();
      expect(distributedDDL, table).toBeDefined();
      const [singleText, localText, distributedText] = await Promise.all([formatted(singleDDL), formatted(localDDL!), formatted(distributedDDL!)]);
      // Columns: the same text as the single-node table (names, types, defaults, comments).
      expect(columnBlock(localText)).toBe(columnBlock(singleText));
      // Engine: the Replicated variant, Keeper path per shard, replica macro, then the original arguments.
      const singleEngine = /\nENGINE = (\w+)(?:\((.*)\))?\n/.exec(singleText)!;
      const localEngine = /\nENGINE = (\w+)\((.*)\)\n/.exec(localText)!;
      expect(localEngine[1]).toBe(`Replicated${singleEngine[1]}`);
      expect(localEngine[2]).toBe([`'/clickhouse/tables/{shard}/${DB}/${local}'`, "'{replica}'", ...(singleEngine[2] ? [singleEngine[2]] : [])].join(', '));
      // PARTITION BY, ORDER BY and settings unchanged, but the deduplication window is Keeper's.
      const tail = (text: string) => text.slice(text.indexOf('\nPARTITION BY'));
      expect(tail(localText)).toBe(tail(singleText).replace('non_replicated_deduplication_window', 'replicated_deduplication_window'));
      expect(tail(localText)).toContain('replicated_deduplication_window = 10000');
      // Distributed over the local tables of the cluster, with the table's deterministic sharding key.
      expect(distributedText).toContain(`AS ${DB}.${local}`);
      expect(distributedText).toContain(`ENGINE = Distributed(${CLUSTER}, ${DB}, ${local}, ${CLUSTER_SHARDING_KEYS[table]})`);
      // The sharding key reads only columns of the table.
      const keyColumns = /\((\w+)\)$/.exec(CLUSTER_SHARDING_KEYS[table]!)![1]!;
      // (from the DDL: 0003's rollups no longer exist once 0004 ran)
      expect(columnBlock(singleText).split('\n').map((line) => line.trim().split(' ')[0]!.replaceAll('`', ''))).toContain(keyColumns);
      // The local table comes first: the Distributed one copies its columns (AS).
      expect(statements.indexOf(localDDL!)).toBeLessThan(statements.indexOf(distributedDDL!));
    }
  });

  it('materialized views read from and write to the local tables; ALTERs go to the local tables (columns also to the Distributed ones)', async () => {
    const statements = allClusterStatements();
    const views = statements.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
    const single = singleViews();
    expect(views).toHaveLength(single.length);
    for (const [i, [name, singleDDL]] of single.entries()) {
      const view = views[i]!;
      expect(view.startsWith(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${DB}.${name} `), name).toBe(true);
      const target = /^CREATE MATERIALIZED VIEW IF NOT EXISTS \w+\.\w+ TO \w+\.(\w+) AS\n/.exec(singleDDL)![1]!;
      expect(view).toContain(`ON CLUSTER ${CLUSTER} TO ${DB}.${target}_local AS`);
      expect(view).toContain(`FROM ${DB}.${REQUEST_EVENTS_TABLE}_local\n`);
      // The SELECT is the single-node view's, table names aside.
      const select = (s: string) => s.slice(s.indexOf(' AS\n') + 4).replaceAll('_local', '');
      expect(select(view)).toBe(select(singleDDL));
    }
    const alters = statements.filter((s) => s.startsWith('ALTER TABLE'));
    for (const column of [...REQUEST_EVENT_COLUMNS_ADDED_IN_0002, ...REQUEST_EVENT_COLUMNS_ADDED_IN_0005, ...REQUEST_EVENT_COLUMNS_ADDED_IN_0006, ...REQUEST_EVENT_COLUMNS_ADDED_IN_0008]) {
      expect(alters.filter((s) => s.includes(`ADD COLUMN IF NOT EXISTS ${column} `)).map((s) => s.split(' ')[2])).toEqual([`${DB}.${REQUEST_EVENTS_TABLE}_local`, `${DB}.${REQUEST_EVENTS_TABLE}`]);
    }
    // 0005's cache_hits column: on each of 0004's rollups, local and Distributed tables.
    expect(alters.filter((s) => s.includes(`ADD COLUMN IF NOT EXISTS ${ROLLUP_CACHE_HITS.name} `)).map((s) => s.split(' ')[2])).toEqual(
      ROLLUPS_0004.flatMap((rollup) => [`${DB}.${rollup.table}_local`, `${DB}.${rollup.table}`]),
    );
    // 0003's bloom filter, 0004's min-max index and 0007's key bloom filter: added and materialized on each node's local table only.
    const indexes = alters.filter((s) => s.includes('INDEX'));
    expect(indexes).toEqual(
      [...requestIdIndexDDL(DB), ...eventTimeIndexDDL(DB), ...keyIdIndexDDL(DB)].map((s) => s.replace(`${DB}.${REQUEST_EVENTS_TABLE} `, `${DB}.${REQUEST_EVENTS_TABLE}_local ON CLUSTER ${CLUSTER} `)),
    );
    // Retention (applied at start) changes each node's local table, for every table it covers.
    const ttl = retentionTTL({ rawEvents: 400, minuteRollup: 31, hourRollup: 400 });
    expect(Object.keys(ttl).sort()).toEqual([REQUEST_EVENTS_TABLE, ...ROLLUPS.map((rollup) => rollup.table)].sort());
    for (const [table, expr] of Object.entries(ttl)) {
      for (const action of [`MODIFY TTL ${expr}`, 'REMOVE TTL']) {
        const clustered = toClusterStatements(`ALTER TABLE ${DB}.${table} ${action}`, DB, CLUSTER);
        expect(clustered).toEqual([`ALTER TABLE ${DB}.${table}_local ON CLUSTER ${CLUSTER} ${action}`]);
        expect(await formatted(clustered[0]!)).toContain(`ON CLUSTER ${CLUSTER}`);
      }
    }
    // The backfills insert through the Distributed tables, with their deduplication tokens.
    const backfills = clusterPlan().filter((m) => m.statements.some((s) => s.query.startsWith('INSERT INTO'))).map((m) => m.statements.filter((s) => s.query.startsWith('INSERT INTO')).map((s) => [s.query.split('\n')[0], s.settings]));
    expect(backfills).toEqual([
      GRAINS_0003.map((grain) => [`INSERT INTO ${DB}.${ROLLUP_TABLES_0003[grain]}`, { insert_deduplication_token: `relay-0003-backfill-${grain}` }]),
      ROLLUPS_0004.map((rollup) => [`INSERT INTO ${DB}.${rollup.table}`, { insert_deduplication_token: `relay-0004-backfill-${rollup.table}` }]),
      ROLLUPS_0007.map((rollup) => [`INSERT INTO ${DB}.${rollup.table}`, { insert_deduplication_token: `relay-0007-backfill-${rollup.table}` }]),
    ]);
  });

  it("0004 drops 0003's views and both the Distributed and the local tables of its rollups on every node, before creating its own", () => {
    const plan = clusterPlan()[3]!.statements.map((s) => s.query);
    const drops = plan.filter((s) => s.startsWith('DROP '));
    expect(drops).toEqual(
      GRAINS_0003.flatMap((grain) => [
        `DROP VIEW IF EXISTS ${DB}.${rollupViewName0003(grain)} ON CLUSTER ${CLUSTER}`,
        `DROP TABLE IF EXISTS ${DB}.${ROLLUP_TABLES_0003[grain]} ON CLUSTER ${CLUSTER}`,
        `DROP TABLE IF EXISTS ${DB}.${ROLLUP_TABLES_0003[grain]}_local ON CLUSTER ${CLUSTER}`,
      ]),
    );
    // Dropped first, so no insert feeds a table about to go.
    expect(plan.slice(0, drops.length)).toEqual(drops);
  });

  it("0004's and 0007's rollups: replicated AggregatingMergeTree per node, sharded by organisation, daily partitions for the minute grain", () => {
    const statements = allClusterStatements();
    for (const rollup of ROLLUPS) {
      const local = statements.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${DB}.${rollup.table}_local `))!;
      expect(local).toContain(`ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/${DB}/${rollup.table}_local', '{replica}')`);
      expect(local).toContain(`PARTITION BY ${rollup.grain === 'minute' ? 'toYYYYMMDD(bucket)' : 'toYYYYMM(bucket)'}`);
      expect(local).toContain(`ORDER BY (${rollup.orderBy.join(', ')})`);
      expect(statements).toContain(`CREATE TABLE IF NOT EXISTS ${DB}.${rollup.table} ON CLUSTER ${CLUSTER} AS ${DB}.${rollup.table}_local\nENGINE = Distributed(${CLUSTER}, ${DB}, ${rollup.table}_local, cityHash64(org_id))`);
    }
  });

  it('refuses what it cannot rewrite: an unlisted table, an unknown statement, a cluster on chDB or without CLICKHOUSE_URL', async () => {
    expect(() => toClusterStatements(`CREATE TABLE IF NOT EXISTS ${DB}.other\n(\n    a UInt8\n)\nENGINE = MergeTree\nORDER BY a`, DB, CLUSTER)).toThrow(/CLUSTER_SHARDING_KEYS/);
    expect(() => toClusterStatements(`TRUNCATE TABLE ${DB}.${REQUEST_EVENTS_TABLE}`, DB, CLUSTER)).toThrow(/No cluster form/);
    expect(() => toClusterStatements(`DROP TABLE IF EXISTS ${DB}.other`, DB, CLUSTER)).toThrow(/CLUSTER_SHARDING_KEYS/);
    expect(() => toClusterStatements(`DROP TABLE IF EXISTS other_db.${REQUEST_EVENTS_TABLE}`, DB, CLUSTER)).toThrow(/Unexpected DROP shape/);
    expect(() => toClusterStatements(requestEventsDDL(DB), DB, 'bad-name')).toThrow(/identifier/);
    await expect(createClickHouse({ url: null, chdbPath: join(dir, 'unused'), database: DB, cluster: CLUSTER })).rejects.toThrow(/CLICKHOUSE_URL/);
    expect(() => loadControlplaneConfig({ ...SECRETS, CLICKHOUSE_CLUSTER: CLUSTER })).toThrow(/CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL/);
    expect(() => loadControlplaneConfig({ ...SECRETS, CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'a b' })).toThrow(/CLICKHOUSE_CLUSTER must be a plain identifier/);
    expect(loadControlplaneConfig({ ...SECRETS, CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: CLUSTER }).clickhouseCluster).toBe(CLUSTER);
    expect(loadControlplaneConfig(SECRETS).clickhouseCluster).toBeNull();
  });
});
