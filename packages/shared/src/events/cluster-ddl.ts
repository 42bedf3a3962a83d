import { assertIdentifier, REQUEST_EVENTS_TABLE } from './request-events-ddl.ts';
import { ROLLUPS } from './request-rollups-ddl.ts';
import { ROLLUP_TABLES as ROLLUP_TABLES_0003 } from './request-rollups-0003-ddl.ts';

/**
 * The analytics tables on a ClickHouse cluster (CLICKHOUSE_CLUSTER): every statement of the
 * single-node migrations, rewritten for `ON CLUSTER`. Nothing here knows a column: the input is
 * the DDL that request-events-ddl.ts and request-rollups-ddl.ts generate from their column lists,
 * so a column added there reaches the cluster DDL without a change here.
 *
 * For each sharded table `t` of the single-node layout, the cluster layout has:
 * - `t_local` on every node: the same columns, PARTITION BY, ORDER BY and settings, with the
 *   engine's Replicated variant (ReplacingMergeTree -> ReplicatedReplacingMergeTree) keeping a
 *   replica per shard in Keeper under `/clickhouse/tables/{shard}/<db>/t_local`;
 * - `t` on every node: a Distributed table over the `t_local`s, under the single-node name, so
 *   every query and insert (data planes, the ingest endpoint, analytics) stays the same SQL.
 * Materialized views are created on every node and read from and write to the local tables:
 * ClickHouse runs a view on the node where the block lands, so each shard's rollups aggregate
 * that shard's events, and a query through the Distributed rollup merges the partial states.
 *
 * Unknown statement shapes throw: a future migration whose statement this does not understand
 * fails in the test (issue-11-cluster-ddl) instead of half-creating a cluster layout.
 */

/** Suffix of the per-node tables behind each Distributed table. */
export const LOCAL_TABLE_SUFFIX = '_local';

/**
 * How rows of each sharded table are spread over shards. Every key is deterministic, so a
 * retried batch sends the same rows to the same shard under the same deduplication token.
 * - request_events by request id: even load, and all copies of one request (a retry in a later
 *   batch) on one shard, so ReplacingMergeTree and FINAL collapse them there.
 * - rollups by organisation: only the backfill inserts through them (the views write to the
 *   local tables); any placement is right, as reads merge states across shards.
 * A table created by a migration must be listed here, or the rewrite refuses it.
 */
export const CLUSTER_SHARDING_KEYS: Readonly<Record<string, string>> = {
  [REQUEST_EVENTS_TABLE]: 'cityHash64(request_id)',
  // Every rollup, today's and migration 0003's (created, then dropped, by the migrations in turn).
  ...Object.fromEntries([...Object.values(ROLLUP_TABLES_0003), ...ROLLUPS.map((rollup) => rollup.table)].map((table) => [table, 'cityHash64(org_id)'])),
};

/** Keeper path of a replicated table; `{shard}` and `{replica}` are each server's macros. */
export function replicaPath(database: string, localTable: string): string {
  return `/clickhouse/tables/{shard}/${database}/${localTable}`;
}

/** `CREATE DATABASE` on every node of `cluster`. */
export function clusterDatabaseDDL(database: string, cluster: string): string {
  assertIdentifier(database);
  assertIdentifier(cluster);
  return `CREATE DATABASE IF NOT EXISTS ${database} ON CLUSTER ${cluster}`;
}

/**
 * The migrations record on a cluster: one replica set over every node (no `{shard}` in the path,
 * the replica named by shard and replica), so whichever node `relay migrate` reaches sees every
 * migration already applied.
 */
export function clusterMigrationsTableDDL(database: string, cluster: string): string {
  assertIdentifier(database);
  assertIdentifier(cluster);
  return [
    `CREATE TABLE IF NOT EXISTS ${database}._relay_migrations ON CLUSTER ${cluster} (name String, applied_at DateTime64(3, 'UTC'))`,
    `ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/${database}/_relay_migrations', '{shard}-{replica}') ORDER BY name`,
  ].join(' ');
}

/** The name ClickHouse's Replicated family gives the replicated variant of `engine`. */
const REPLICATED_ENGINES: Readonly<Record<string, string>> = {
  MergeTree: 'ReplicatedMergeTree',
  ReplacingMergeTree: 'ReplicatedReplacingMergeTree',
  AggregatingMergeTree: 'ReplicatedAggregatingMergeTree',
  SummingMergeTree: 'ReplicatedSummingMergeTree',
  CollapsingMergeTree: 'ReplicatedCollapsingMergeTree',
};

/**
 * The cluster statements standing for one single-node migration statement on `database`:
 * CREATE TABLE -> a replicated local table and a Distributed table; CREATE MATERIALIZED VIEW ->
 * the view on every node over the local tables; ALTER -> on every node, against the local table
 * (and the Distributed table too for column changes); DROP VIEW -> on every node; DROP TABLE of a
 * sharded table -> the Distributed table, then the local one, on every node; INSERT … SELECT ->
 * unchanged (it goes through the Distributed tables).
 */
export function toClusterStatements(statement: string, database: string, cluster: string): string[] {
  assertIdentifier(database);
  assertIdentifier(cluster);
  const head = statement.trimStart();
  if (/^CREATE TABLE /.test(head)) return clusterCreateTable(head, database, cluster);
  if (/^CREATE MATERIALIZED VIEW /.test(head)) return [clusterMaterializedView(head, database, cluster)];
  if (/^ALTER TABLE /.test(head)) return clusterAlter(head, database, cluster);
  if (/^DROP (VIEW|TABLE) /.test(head)) return clusterDrop(head, database, cluster);
  if (/^INSERT INTO /.test(head)) return [statement];
  throw new Error(`No cluster form for statement: ${head.slice(0, 60)}…`);
}

function clusterCreateTable(statement: string, database: string, cluster: string): string[] {
  const match = /^CREATE TABLE IF NOT EXISTS (\w+)\.(\w+)\n(\([\s\S]*\n\))\nENGINE = (\w+)(?:\(([^)]*)\))?\n([\s\S]*)$/.exec(statement);
  if (match === null || match[1] !== database) throw new Error(`Unexpected CREATE TABLE shape: ${statement.slice(0, 80)}…`);
  const [, , table, columns, engine, engineArgs, clauses] = match as unknown as [string, string, string, string, string, string | undefined, string];
  const shardingKey = CLUSTER_SHARDING_KEYS[table];
  const replicated = REPLICATED_ENGINES[engine];
  if (shardingKey === undefined) throw new Error(`No sharding key for table ${table}: add it to CLUSTER_SHARDING_KEYS`);
  if (replicated === undefined) throw new Error(`No replicated engine for ${engine} (table ${table})`);
  const local = `${table}${LOCAL_TABLE_SUFFIX}`;
  const args = [`'${replicaPath(database, local)}'`, "'{replica}'", ...(engineArgs ? [engineArgs] : [])].join(', ');
  // Replicated tables deduplicate inserts by block (or insert_deduplication_token) in Keeper:
  // the window the single-node table keeps locally becomes the replicated window.
  const replicatedClauses = clauses.replace(/\bnon_replicated_deduplication_window\b/, 'replicated_deduplication_window');
  return [
    [`CREATE TABLE IF NOT EXISTS ${database}.${local} ON CLUSTER ${cluster}`, columns, `ENGINE = ${replicated}(${args})`, replicatedClauses].join('\n'),
    `CREATE TABLE IF NOT EXISTS ${database}.${table} ON CLUSTER ${cluster} AS ${database}.${local}\nENGINE = Distributed(${cluster}, ${database}, ${local}, ${shardingKey})`,
  ];
}

function clusterMaterializedView(statement: string, database: string, cluster: string): string {
  const match = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+)\.(\w+) TO (\w+)\.(\w+) AS\n([\s\S]*)$/.exec(statement);
  if (match === null || match[1] !== database || match[3] !== database) throw new Error(`Unexpected CREATE MATERIALIZED VIEW shape: ${statement.slice(0, 80)}…`);
  const [, , view, , target, select] = match as unknown as [string, string, string, string, string, string];
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.${view} ON CLUSTER ${cluster} TO ${database}.${localName(target)} AS\n${localizeTables(select, database)}`;
}

function clusterAlter(statement: string, database: string, cluster: string): string[] {
  const match = /^ALTER TABLE (\w+)\.(\w+) ([\s\S]*)$/.exec(statement);
  if (match === null || match[1] !== database) throw new Error(`Unexpected ALTER TABLE shape: ${statement.slice(0, 80)}…`);
  const [, , table, action] = match as unknown as [string, string, string, string];
  const local = `ALTER TABLE ${database}.${localName(table)} ON CLUSTER ${cluster} ${action}`;
  // A Distributed table has columns but no indexes, TTL or parts: only column changes reach it.
  return /^(ADD|DROP|MODIFY|RENAME|COMMENT) COLUMN /.test(action) ? [local, `ALTER TABLE ${database}.${table} ON CLUSTER ${cluster} ${action}`] : [local];
}

function clusterDrop(statement: string, database: string, cluster: string): string[] {
  const match = /^DROP (VIEW|TABLE) IF EXISTS (\w+)\.(\w+)$/.exec(statement.trimEnd());
  if (match === null || match[2] !== database) throw new Error(`Unexpected DROP shape: ${statement.slice(0, 80)}…`);
  const [, kind, , name] = match as unknown as [string, 'VIEW' | 'TABLE', string, string];
  if (kind === 'VIEW') return [`DROP VIEW IF EXISTS ${database}.${name} ON CLUSTER ${cluster}`];
  if (!(name in CLUSTER_SHARDING_KEYS)) throw new Error(`No sharding key for table ${name}: add it to CLUSTER_SHARDING_KEYS`);
  // The Distributed table first: it reads the local one, which must outlive it.
  return [`DROP TABLE IF EXISTS ${database}.${name} ON CLUSTER ${cluster}`, `DROP TABLE IF EXISTS ${database}.${localName(name)} ON CLUSTER ${cluster}`];
}

/** The per-node table behind `table` (a sharded table), else `table` itself. */
export function localName(table: string): string {
  return table in CLUSTER_SHARDING_KEYS ? `${table}${LOCAL_TABLE_SUFFIX}` : table;
}

/** Points every `database.<sharded table>` reference in `sql` at the local table. */
function localizeTables(sql: string, database: string): string {
  return sql.replace(new RegExp(`\\b${database}\\.(\\w+)\\b`, 'g'), (_whole, table: string) => `${database}.${localName(table)}`);
}
