import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { MIGRATIONS_DIR, migrateDatabase } from '../../src/db/migrate.ts';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/test-database.ts';
import { readSchemaShape } from './catalog.ts';
import { expectedSchema, generatedSchemaText, SCHEMA_PATH, type SchemaShape } from './schema-model.ts';

const INIT = '20261124000000_init';
const TENANCY = '20261128000000_tenancy_and_access';
const MONEY = '20261128100000_money_and_limits';
const ROUTING_STRATEGY = '20261128300000_routing_strategy';
const PROVIDER_PRESETS = '20261128400000_provider_presets';
const RESPONSE_CACHE = '20261128500000_response_cache';
const PROVIDER_HTTP2 = '20261128600000_provider_http2';
const PRICING_CACHE_WRITE = '20261129100000_pricing_cache_write';
/** Every migration, in order: the counts below follow this list. */
const ALL = [INIT, TENANCY, MONEY, ROUTING_STRATEGY, PROVIDER_PRESETS, RESPONSE_CACHE, PROVIDER_HTTP2, PRICING_CACHE_WRITE];

/** Collects log lines so tests can assert on them without a real pino. */
function recordingLogger() {
  const lines: string[] = [];
  return { lines, info: (_obj: unknown, msg?: string) => void lines.push(`info ${msg}`), warn: (_obj: unknown, msg?: string) => void lines.push(`warn ${msg}`) };
}

/** Sorted copies, so comparisons ignore catalog order and a diff shows the odd one out. */
function normalise(shape: SchemaShape): SchemaShape {
  const by = <T>(key: (x: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));
  return {
    columns: [...shape.columns].sort(by((c) => `${c.table}.${c.column}`)),
    indexes: [...shape.indexes].sort(by((i) => `${i.table}.${i.name}`)),
    foreignKeys: [...shape.foreignKeys].sort(by((f) => `${f.table}.${f.name}`)),
    enums: [...shape.enums].sort(by((e) => e.name)),
  };
}

it('the generated Prisma client is up to date with schema.prisma', async () => {
  // Every expectation below comes from the generated client; a stale one would hide drift.
  // Runs of spaces are collapsed so re-aligning columns (prisma format) does not count as a change.
  const squash = (text: string) => text.replace(/[ \t]+/g, ' ');
  expect(squash(generatedSchemaText()), 'run `pnpm --filter @proxystacks/controlplane generate`').toBe(
    squash(await readFile(SCHEMA_PATH, 'utf8')),
  );
});

describe.each(testDatabaseKinds())('Postgres layer on %s', (kind) => {
  let handle: TestDatabase;
  let db: Database;
  let firstRun: { applied: string[] };
  const logger = recordingLogger();

  beforeAll(async () => {
    handle = await openTestDatabase(kind);
    db = await createDatabase({ databaseUrl: handle.url, pglitePath: handle.pglitePath });
    firstRun = await migrateDatabase(db, logger);
  });

  afterAll(async () => {
    await db?.close();
    await handle?.cleanup();
  });

  it('applies every migration folder to an empty database, logging each', () => {
    expect(db.kind).toBe(kind);
    expect(firstRun.applied).toEqual(ALL);
    expect(logger.lines).toEqual(ALL.map((name) => `info Applied Postgres migration ${name}`));
  });

  it('has exactly the columns, types, nullability, indexes, foreign keys and enums schema.prisma declares', async () => {
    const actual = normalise(await readSchemaShape(db));
    const expected = normalise(expectedSchema());
    expect(actual.columns).toEqual(expected.columns);
    expect(actual.enums).toEqual(expected.enums);
    expect(actual.indexes).toEqual(expected.indexes);
    expect(actual.foreignKeys).toEqual(expected.foreignKeys);
  });

  it('records each migration as Prisma does, with the sha256 of migration.sql', async () => {
    const rows = await db.query<{ migration_name: string; checksum: string; finished_at: unknown; rolled_back_at: unknown; applied_steps_count: number }>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    const expected = [];
    for (const name of ALL) {
      const sql = await readFile(join(MIGRATIONS_DIR, name, 'migration.sql'));
      expected.push({ migration_name: name, checksum: createHash('sha256').update(sql).digest('hex'), finished_at: expect.anything(), rolled_back_at: null, applied_steps_count: 1 });
    }
    expect(rows).toEqual(expected);
  });

  it('applies nothing the second time', async () => {
    await expect(migrateDatabase(db, recordingLogger())).resolves.toEqual({ applied: [] });
    expect(await db.query('SELECT count(*)::int AS count FROM "_prisma_migrations"')).toEqual([{ count: ALL.length }]);
  });

  it('refuses a migration edited after it was applied, naming it', async () => {
    const edited = await copyMigrations();
    try {
      await writeFile(join(edited, INIT, 'migration.sql'), `${await readFile(join(edited, INIT, 'migration.sql'), 'utf8')}\n-- edited\n`);
      await expect(migrateDatabase(db, recordingLogger(), { migrationsDir: edited })).rejects.toThrow(
        `Postgres migration ${INIT} was edited after being applied`,
      );
    } finally {
      await rm(edited, { recursive: true, force: true });
    }
  });

  it('applies a new migration folder in a transaction with its record, and rolls back a failing one', async () => {
    const dir = await copyMigrations();
    try {
      await addMigration(dir, '20261125000000_broken', 'CREATE TABLE "half_done" (id INT);\nSELECT * FROM "no_such_table";\n');
      await expect(migrateDatabase(db, recordingLogger(), { migrationsDir: dir })).rejects.toThrow(
        /Postgres migration 20261125000000_broken failed and was rolled back: .*no_such_table/,
      );
      expect(await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'")).toEqual([]);
      expect(await db.query("SELECT 1 FROM \"_prisma_migrations\" WHERE migration_name = '20261125000000_broken'")).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to run after a failed migration until it is resolved', async () => {
    await db.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ('failed-row', 'x', '20261126000000_failed', now())`,
    );
    try {
      await expect(migrateDatabase(db, recordingLogger())).rejects.toThrow(
        'Postgres migration 20261126000000_failed is recorded as a failed migration and needs manual resolution',
      );
    } finally {
      await db.query(`DELETE FROM "_prisma_migrations" WHERE id = 'failed-row'`);
    }
  });

  it('serves Prisma CRUD through the adapter', async () => {
    const org = await db.prisma.organization.create({ data: { name: `Org ${kind}` } });
    const team = await db.prisma.team.create({ data: { orgId: org.id, name: 'Platform' } });
    const readBack = await db.prisma.organization.findUniqueOrThrow({ where: { id: org.id }, include: { teams: true } });
    expect(readBack).toEqual({ ...org, teams: [team] });
    expect(team.createdAt).toBeInstanceOf(Date);
    await expect(db.prisma.team.create({ data: { orgId: org.id, name: 'Platform' } })).rejects.toMatchObject({ code: 'P2002' });
    await expect(db.prisma.organization.delete({ where: { id: org.id } })).rejects.toThrow();
  });
});

describe.runIf(testDatabaseKinds().includes('postgres'))('Postgres migrators started together', () => {
  it('apply each migration once: the advisory lock serialises them', async () => {
    const handle = await openTestDatabase('postgres');
    const dbs = await Promise.all([1, 2, 3].map(() => createDatabase({ databaseUrl: handle.url, pglitePath: handle.pglitePath })));
    try {
      const runs = await Promise.all(dbs.map((db) => migrateDatabase(db, recordingLogger())));
      expect(runs.flatMap((run) => run.applied)).toEqual(ALL);
      expect(await dbs[0]!.query('SELECT count(*)::int AS count FROM "_prisma_migrations"')).toEqual([{ count: ALL.length }]);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
      await handle.cleanup();
    }
  });
});

describe('PGlite data directory lock', () => {
  let handle: TestDatabase;
  beforeAll(async () => {
    handle = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await handle?.cleanup();
  });
  const open = () => createDatabase({ databaseUrl: null, pglitePath: handle.pglitePath });

  it('refuses a second open of the same directory and releases the lock on close', async () => {
    const first = await open();
    try {
      await expect(open()).rejects.toThrow(
        `The data directory ${handle.pglitePath} is in use by another relay process (pid ${process.pid}). ` +
          'Stop it first, or set RELAY_DATA_DIR to another directory.',
      );
    } finally {
      await first.close();
    }
    await expect(access(`${handle.pglitePath}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
    const again = await open();
    await again.close();
  });

  it('takes over a lock left by a dead process', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeFile(`${handle.pglitePath}.lock`, String(dead));
    const db = await open();
    try {
      expect(await readFile(`${handle.pglitePath}.lock`, 'utf8')).toBe(String(process.pid));
    } finally {
      await db.close();
    }
  });
});

describe('Postgres connection errors', () => {
  it('never show the password', async () => {
    const password = 'hunter2-s3cret';
    const error = await createDatabase({ databaseUrl: `postgres://relay:${password}@127.0.0.1:1/relay`, pglitePath: '/nonexistent' }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(error?.message).toMatch(/^Cannot connect to Postgres at postgres:\/\/relay:\*\*\*@127\.0\.0\.1:1\/relay: /);
    expect(JSON.stringify({ message: error?.message, stack: error?.stack, cause: String(error?.cause) })).not.toContain(password);
  });
});

async function copyMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await cp(join(dir, INIT), join(dir, name), { recursive: true });
  await writeFile(join(dir, name, 'migration.sql'), sql);
}
