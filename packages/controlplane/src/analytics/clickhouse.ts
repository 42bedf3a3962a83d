import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { Logger } from 'pino';
import {
  assertIdentifier,
  formatEventTime,
  REQUEST_EVENT_COLUMNS_ADDED_IN_0002,
  REQUEST_EVENT_COLUMNS_ADDED_IN_0005,
  REQUEST_EVENT_COLUMNS_ADDED_IN_0006,
  REQUEST_EVENT_COLUMNS_ADDED_IN_0008,
  requestEventsAddColumns,
  requestEventsDDL,
} from '@proxystacks/shared/events/request-events-ddl';
import {
  requestIdIndexDDL,
  ROLLUP_TABLES as ROLLUP_TABLES_0003,
  rollupBackfillSQL as rollupBackfillSQL0003,
  rollupTableDDL as rollupTableDDL0003,
  rollupViewDDL as rollupViewDDL0003,
  rollupViewName as rollupViewName0003,
} from '@proxystacks/shared/events/request-rollups-0003-ddl';
import {
  eventTimeIndexDDL,
  keyIdIndexDDL,
  rollupCostSavedDDL,
  ROLLUPS_0004,
  ROLLUPS_0007,
  rollupBackfillSQL,
  rollupTableDDL,
  rollupViewDDL,
  type RollupLayout,
  type RollupSpec,
} from '@proxystacks/shared/events/request-rollups-ddl';
import type { ClickHouseInserter } from '@proxystacks/shared/events/insert-request-events';
import { clusterDatabaseDDL, clusterMigrationsTableDDL, toClusterStatements } from '@proxystacks/shared/events/cluster-ddl';

/**
 * The analytics store: a ClickHouse server (`CLICKHOUSE_URL`) or chDB in-process. Both are
 * driven through the same `@clickhouse/client` API, so every query is the same SQL.
 */
export interface ClickHouse {
  client: ClickHouseClient;
  /** What event batches are inserted with (insertRequestEvents): the client, and on chDB its raw insert too. */
  inserter: ClickHouseInserter;
  /** Database holding Relay's tables; a plain identifier, safe to put in SQL text. */
  database: string;
  kind: 'chdb' | 'server';
  /** CLICKHOUSE_CLUSTER: the tables are replicated local tables behind Distributed ones (see cluster-ddl.ts); null = one node. */
  cluster: string | null;
  close(): Promise<void>;
}

/** Options of {@link createClickHouse}. */
export interface ClickHouseOptions {
  /** HTTP(S) URL of a ClickHouse server; null = chDB with its data in `chdbPath`. */
  url: string | null;
  /** chDB data directory (one per process: chDB refuses a second path in the same process). */
  chdbPath: string;
  database: string;
  /** Cluster name from the server's remote_servers (server only); null or absent = one node. */
  cluster?: string | null;
}

/** Connects to ClickHouse (server) or opens chDB; does not create anything. */
export async function createClickHouse(options: ClickHouseOptions): Promise<ClickHouse> {
  assertIdentifier(options.database);
  const cluster = options.cluster ?? null;
  if (cluster !== null) assertIdentifier(cluster);
  if (options.url !== null) {
    const client = createClient({ url: options.url, request_timeout: 30_000 });
    return { client, inserter: client, database: options.database, kind: 'server', cluster, close: () => client.close() };
  }
  // chDB has no Keeper and no remote servers: replicated and Distributed tables cannot exist there.
  if (cluster !== null) throw new Error('A ClickHouse cluster needs a ClickHouse server (CLICKHOUSE_URL), not the embedded chDB');
  // chdb 3.4 types its connection against @clickhouse/client-common 1.23.0 while the client
  // bundles its own copy of the same interface; they are identical at run time.
  const chdb = createChdbConnection({ path: options.chdbPath });
  const client = createClient({ connection: chdb as unknown as ClientConnection });
  const inserter: ClickHouseInserter = { exec: (params) => client.exec(params), rawInsert: (params) => chdb.chdb.rawInsert(params) };
  return { client, inserter, database: options.database, kind: 'chdb', cluster: null, close: () => client.close() };
}

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/**
 * One analytics migration: a name recorded once applied, and the statements it runs, in order.
 * A statement is SQL text, or SQL with the settings it must run with.
 */
interface ClickHouseMigration {
  name: string;
  statements(database: string): Array<string | MigrationStatement>;
}

export interface MigrationStatement {
  query: string;
  settings: Record<string, string | number>;
}

/**
 * Migrations in order. Never edit one that has shipped: add the next number. Statements must be
 * idempotent (IF NOT EXISTS), because ClickHouse has no transactional DDL: a migration that
 * failed half-way is re-run from its first statement.
 */
const MIGRATIONS: readonly ClickHouseMigration[] = [
  { name: '0001_request_events', statements: (database) => [requestEventsDDL(database)] },
  // On a table 0001 just created with every column these are no-ops (IF NOT EXISTS).
  { name: '0002_request_events_tenancy', statements: (database) => requestEventsAddColumns(database, REQUEST_EVENT_COLUMNS_ADDED_IN_0002) },
  { name: '0003_request_rollups', statements: requestRollupsMigration },
  { name: '0004_request_rollups_by_width', statements: rollupsByWidthMigration },
  { name: '0005_request_events_cost_saved', statements: costSavedMigration },
  // Issues 9 and 10: every upstream attempt of a request (event-attempts.ts). Rows stored before
  // read back `[]`. The runner applies by name in this list's order.
  { name: '0006_request_events_attempt_log', statements: (database) => requestEventsAddColumns(database, REQUEST_EVENT_COLUMNS_ADDED_IN_0006) },
  { name: '0007_request_rollup_totals', statements: rollupTotalsMigration },
  // Prompt-cache writes per request (priced apart from input); rows stored before read 0.
  { name: '0008_request_events_cache_write', statements: (database) => requestEventsAddColumns(database, REQUEST_EVENT_COLUMNS_ADDED_IN_0008) },
];

/**
 * Issue 10: the minute and hour rollups with their views, filled once from the events already
 * stored, and the request-id skip index. The cutoff is taken before the views exist: rows
 * inserted before it are backfilled, rows after it arrive through the views (the migration runs
 * before this control plane ingests; only a batch a data plane writes straight to ClickHouse
 * while the views are being created could be missed by both paths).
 * The backfill's fixed deduplication token makes a re-run after a failure between the backfill
 * and the migration record a no-op, and replaces any token an earlier insert left on a chDB
 * session (chDB keeps per-query settings for the session's later queries).
 */
function requestRollupsMigration(database: string): Array<string | MigrationStatement> {
  const cutoff = formatEventTime(Date.now());
  return [
    rollupTableDDL0003(database, 'minute'),
    rollupTableDDL0003(database, 'hour'),
    rollupViewDDL0003(database, 'minute'),
    rollupViewDDL0003(database, 'hour'),
    { query: rollupBackfillSQL0003(database, 'minute', cutoff), settings: { insert_deduplication_token: 'relay-0003-backfill-minute' } },
    { query: rollupBackfillSQL0003(database, 'hour', cutoff), settings: { insert_deduplication_token: 'relay-0003-backfill-hour' } },
    ...requestIdIndexDDL(database),
  ];
}

/**
 * Issue 10 (performance): replaces 0003's rollups, keyed by every dimension and holding DDSketch
 * states (as many rows as the raw events at realistic cardinalities, and slow to merge), with
 * the org / team / key rollups of request-rollups-ddl.ts, filled from the stored events the same
 * way (cutoff before the views, fixed deduplication tokens); adds the min-max index on `ts` the
 * request log's time ranges use. The old views go first, so no insert feeds a table about to go.
 */
function rollupsByWidthMigration(database: string): Array<string | MigrationStatement> {
  const old = (['minute', 'hour'] as const).flatMap((grain) => [
    `DROP VIEW IF EXISTS ${database}.${rollupViewName0003(grain)}`,
    `DROP TABLE IF EXISTS ${database}.${ROLLUP_TABLES_0003[grain]}`,
  ]);
  // 0004's own layout: 0005 changes it, and these statements must not read 0005's columns.
  return [...old, ...addRollups(database, ROLLUPS_0004, '0004', '0004'), ...eventTimeIndexDDL(database)];
}

/**
 * Issue 10 (p95 under 200 ms at 10M events): the per-org and per-team totals rollups (one row per
 * bucket, so charts and top-N totals merge a state per bucket, not per model and outcome), filled
 * like 0004's, and the key_id bloom filter the request log of a key skips granules with.
 */
function rollupTotalsMigration(database: string): Array<string | MigrationStatement> {
  return [...addRollups(database, ROLLUPS_0007, '0007', 'current'), ...keyIdIndexDDL(database)];
}

/**
 * Creates `rollups` and their views, then backfills them from the events stored before a cutoff
 * taken before the views exist (later rows arrive through the views), each under a fixed
 * deduplication token naming `migration`, so a re-run after a failure does not count twice.
 * `layout` is the columns as of that migration (0004's rollups are created before 0005 adds any).
 */
function addRollups(database: string, rollups: readonly RollupSpec[], migration: string, layout: RollupLayout): MigrationStatement[] {
  const cutoff = formatEventTime(Date.now());
  return [
    ...rollups.map((rollup) => ({ query: rollupTableDDL(database, rollup, layout), settings: {} })),
    ...rollups.map((rollup) => ({ query: rollupViewDDL(database, rollup, layout), settings: {} })),
    ...rollups.map((rollup) => ({ query: rollupBackfillSQL(database, rollup, cutoff, layout), settings: { insert_deduplication_token: `relay-${migration}-backfill-${rollup.table}` } })),
  ];
}

/**
 * Issue 9: what the response cache and cheaper fallbacks saved, and the cache-hit flag, on every
 * event (rows written before read 0 and false); the rollups sum the saving and count the hits
 * from then on (rollupCostSavedDDL: nothing to backfill), so the overview's "cost saved" and the
 * time series read them without the raw events.
 */
function costSavedMigration(database: string): string[] {
  return [...requestEventsAddColumns(database, REQUEST_EVENT_COLUMNS_ADDED_IN_0005), ...rollupCostSavedDDL(database)];
}

/**
 * Every migration's statements for `database`, as run on one node (`cluster` null) or rewritten
 * for a cluster (ON CLUSTER, replicated local tables behind Distributed ones: cluster-ddl.ts).
 */
export function clickHouseMigrationPlan(database: string, cluster: string | null): Array<{ name: string; statements: MigrationStatement[] }> {
  return MIGRATIONS.map((migration) => ({
    name: migration.name,
    statements: migration.statements(database).flatMap((statement): MigrationStatement[] => {
      const { query, settings } = typeof statement === 'string' ? { query: statement, settings: {} } : statement;
      return cluster === null ? [{ query, settings }] : toClusterStatements(query, database, cluster).map((clustered) => ({ query: clustered, settings }));
    }),
  }));
}

/** Creates the database and applies every migration not yet recorded in `<db>._relay_migrations`. */
export async function migrateClickHouse(ch: ClickHouse, logger: Pick<Logger, 'info'>): Promise<{ applied: string[] }> {
  const db = ch.database;
  await ch.client.command({ query: ch.cluster === null ? `CREATE DATABASE IF NOT EXISTS ${db}` : clusterDatabaseDDL(db, ch.cluster) });
  await ch.client.command({
    query:
      ch.cluster === null
        ? `CREATE TABLE IF NOT EXISTS ${db}._relay_migrations (name String, applied_at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY name`
        : clusterMigrationsTableDDL(db, ch.cluster),
  });
  const result = await ch.client.query({ query: `SELECT DISTINCT name FROM ${db}._relay_migrations`, format: 'JSONEachRow' });
  const done = new Set((await result.json<{ name: string }>()).map((row) => row.name));
  const applied: string[] = [];
  for (const migration of clickHouseMigrationPlan(db, ch.cluster)) {
    if (done.has(migration.name)) continue;
    for (const statement of migration.statements) {
      await ch.client.command({ query: statement.query, clickhouse_settings: statement.settings });
    }
    await ch.client.insert({
      table: `${db}._relay_migrations`,
      values: [{ name: migration.name, applied_at: formatEventTime(Date.now()) }],
      format: 'JSONEachRow',
    });
    logger.info({ migration: migration.name, database: db }, 'applied ClickHouse migration');
    applied.push(migration.name);
  }
  return { applied };
}
