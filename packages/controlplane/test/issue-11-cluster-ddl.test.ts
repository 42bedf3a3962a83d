import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_SHARDING_KEYS, clusterDatabaseDDL, clusterMigrationsTableDDL, LOCAL_TABLE_SUFFIX, toClusterStatements } from '@proxystacks/shared/events/cluster-ddl';
import { REQUEST_EVENT_COLUMNS_ADDED_IN_0002, REQUEST_EVENTS_TABLE, requestEventsAddColumns, requestEventsDDL } from '@proxystacks/shared/events/request-events-ddl';
import { requestIdIndexDDL, ROLLUP_TABLES, rollupTableDDL, rollupViewDDL } from '@proxystacks/shared/events/request-rollups-ddl';
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
const singleCreates = (): Record<string, string> => ({
  [REQUEST_EVENTS_TABLE]: requestEventsDDL(DB),
  [ROLLUP_TABLES.minute]: rollupTableDDL(DB, 'minute'),
  [ROLLUP_TABLES.hour]: rollupTableDDL(DB, 'hour'),
});

describe('single node (no CLICKHOUSE_CLUSTER)', () => {
  it('runs exactly the single-node DDL, and creates plain (non-replicated) tables', async () => {
    const plan = clickHouseMigrationPlan(DB, null);
    expect(plan.map((m) => m.name)).toEqual(['0001_request_events', '0002_request_events_tenancy', '0003_request_rollups']);
    expect(plan[0]!.statements.map((s) => s.query)).toEqual([requestEventsDDL(DB)]);
    expect(plan[1]!.statements.map((s) => s.query)).toEqual(requestEventsAddColumns(DB, REQUEST_EVENT_COLUMNS_ADDED_IN_0002));
    expect(plan[2]!.statements.slice(0, 4).map((s) => s.query)).toEqual([rollupTableDDL(DB, 'minute'), rollupTableDDL(DB, 'hour'), rollupViewDDL(DB, 'minute'), rollupViewDDL(DB, 'hour')]);
    expect(plan[2]!.statements.slice(-2).map((s) => s.query)).toEqual(requestIdIndexDDL(DB));
    const result = await ch.client.query({ query: 'SELECT name, engine FROM system.tables WHERE database = {db:String} ORDER BY name', query_params: { db: DB }, format: 'JSONEachRow' });
    expect(await result.json()).toEqual([
      { name: '_relay_migrations', engine: 'MergeTree' },
      { name: REQUEST_EVENTS_TABLE, engine: 'ReplacingMergeTree' },
      { name: ROLLUP_TABLES.hour, engine: 'AggregatingMergeTree' },
      { name: `${ROLLUP_TABLES.hour}_mv`, engine: 'MaterializedView' },
      { name: ROLLUP_TABLES.minute, engine: 'AggregatingMergeTree' },
      { name: `${ROLLUP_TABLES.minute}_mv`, engine: 'MaterializedView' },
    ]);
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
      const described = await ch.client.query({ query: `DESCRIBE TABLE ${DB}.${table}`, format: 'JSONEachRow' });
      expect((await described.json<{ name: string }>()).map((c) => c.name)).toContain(keyColumns);
      // The local table comes first: the Distributed one copies its columns (AS).
      expect(statements.indexOf(localDDL!)).toBeLessThan(statements.indexOf(distributedDDL!));
    }
  });

  it('materialized views read from and write to the local tables; ALTERs go to the local tables (columns also to the Distributed ones)', async () => {
    const statements = allClusterStatements();
    const views = statements.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
    expect(views).toHaveLength(2);
    for (const grain of ['minute', 'hour'] as const) {
      const view = views.find((s) => s.includes(`${ROLLUP_TABLES[grain]}_mv `))!;
      expect(view).toContain(`TO ${DB}.${ROLLUP_TABLES[grain]}_local AS`);
      expect(view).toContain(`FROM ${DB}.${REQUEST_EVENTS_TABLE}_local\n`);
      // The SELECT is the single-node view's, table names aside.
      const select = (s: string) => s.slice(s.indexOf(' AS\n') + 4).replaceAll('_local', '');
      expect(select(view)).toBe(select(rollupViewDDL(DB, grain)));
    }
    const alters = statements.filter((s) => s.startsWith('ALTER TABLE'));
    for (const column of REQUEST_EVENT_COLUMNS_ADDED_IN_0002) {
      expect(alters.filter((s) => s.includes(`ADD COLUMN IF NOT EXISTS ${column} `)).map((s) => s.split(' ')[2])).toEqual([`${DB}.${REQUEST_EVENTS_TABLE}_local`, `${DB}.${REQUEST_EVENTS_TABLE}`]);
    }
    for (const index of alters.filter((s) => s.includes('INDEX'))) expect(index).toMatch(new RegExp(`^ALTER TABLE ${DB}\\.${REQUEST_EVENTS_TABLE}_local ON CLUSTER ${CLUSTER} `));
    // Retention (applied at start) changes each node's local table.
    expect(toClusterStatements(`ALTER TABLE ${DB}.${ROLLUP_TABLES.minute} MODIFY TTL bucket + toIntervalDay(31)`, DB, CLUSTER)).toEqual([
      `ALTER TABLE ${DB}.${ROLLUP_TABLES.minute}_local ON CLUSTER ${CLUSTER} MODIFY TTL bucket + toIntervalDay(31)`,
    ]);
    // The backfill inserts through the Distributed tables, with its deduplication token.
    const backfill = clusterPlan()[2]!.statements.filter((s) => s.query.startsWith('INSERT INTO'));
    expect(backfill.map((s) => [s.query.split('\n')[0], s.settings])).toEqual([
      [`INSERT INTO ${DB}.${ROLLUP_TABLES.minute}`, { insert_deduplication_token: 'relay-0003-backfill-minute' }],
      [`INSERT INTO ${DB}.${ROLLUP_TABLES.hour}`, { insert_deduplication_token: 'relay-0003-backfill-hour' }],
    ]);
  });

  it('refuses what it cannot rewrite: an unlisted table, an unknown statement, a cluster on chDB or without CLICKHOUSE_URL', async () => {
    expect(() => toClusterStatements(`CREATE TABLE IF NOT EXISTS ${DB}.other\n(\n    a UInt8\n)\nENGINE = MergeTree\nORDER BY a`, DB, CLUSTER)).toThrow(/CLUSTER_SHARDING_KEYS/);
    expect(() => toClusterStatements(`DROP TABLE ${DB}.${REQUEST_EVENTS_TABLE}`, DB, CLUSTER)).toThrow(/No cluster form/);
    expect(() => toClusterStatements(requestEventsDDL(DB), DB, 'bad-name')).toThrow(/identifier/);
    await expect(createClickHouse({ url: null, chdbPath: join(dir, 'unused'), database: DB, cluster: CLUSTER })).rejects.toThrow(/CLICKHOUSE_URL/);
    expect(() => loadControlplaneConfig({ ...SECRETS, CLICKHOUSE_CLUSTER: CLUSTER })).toThrow(/CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL/);
    expect(() => loadControlplaneConfig({ ...SECRETS, CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'a b' })).toThrow(/CLICKHOUSE_CLUSTER must be a plain identifier/);
    expect(loadControlplaneConfig({ ...SECRETS, CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: CLUSTER }).clickhouseCluster).toBe(CLUSTER);
    expect(loadControlplaneConfig(SECRETS).clickhouseCluster).toBeNull();
  });
});
