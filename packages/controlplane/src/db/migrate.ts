import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { SqlConnection, SqlSession, Database } from './client.ts';

/** packages/controlplane/prisma/migrations: Prisma's layout, `<timestamp>_<name>/migration.sql`. */
export const MIGRATIONS_DIR: string = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

/**
 * The key `prisma migrate` itself locks with on Postgres (schema-engine `advisory_lock`), so this
 * migrator and `prisma migrate deploy` also serialise against each other.
 */
const ADVISORY_LOCK_KEY = 72707369;

/** Prisma's bookkeeping table, as its schema engine creates it, so `prisma migrate deploy` keeps working. */
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

/** One migration folder read from disk. */
export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 hex of the file's bytes: what Prisma stores in `_prisma_migrations.checksum`. */
  checksum: string;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

/** Options for tests; production always uses MIGRATIONS_DIR. */
export interface MigrateOptions {
  migrationsDir?: string;
}

/**
 * Applies every migration folder not yet recorded in `_prisma_migrations`, in name order, each in
 * one transaction with its record row. Refuses to run when an applied migration was edited or a
 * previous run failed half-way, because both mean the schema is not what the files say.
 */
export async function migrateDatabase(
  db: Database,
  logger: Pick<Logger, 'info' | 'warn'>,
  options: MigrateOptions = {},
): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(options.migrationsDir ?? MIGRATIONS_DIR);
  return db.withConnection(async (conn) => {
    await conn.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
    try {
      await conn.exec(CREATE_MIGRATIONS_TABLE);
      const pending = planMigrations(migrations, await readRecorded(conn), logger);
      for (const migration of pending) {
        await applyMigration(conn, migration);
        logger.info({ migration: migration.name }, `Applied Postgres migration ${migration.name}`);
      }
      return { applied: pending.map((m) => m.name) };
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]);
    }
  });
}

/** Reads `<dir>/<name>/migration.sql` for every folder, sorted by name as Prisma does. */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(dir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: sha256Hex(bytes) };
    }),
  );
}

function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readRecorded(conn: SqlSession): Promise<MigrationRow[]> {
  return conn.query<MigrationRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
  );
}

/** Checks the recorded history against the files and returns the migrations still to apply. */
function planMigrations(
  migrations: MigrationFile[],
  recorded: MigrationRow[],
  logger: Pick<Logger, 'warn'>,
): MigrationFile[] {
  // Rows marked rolled back (`prisma migrate resolve --rolled-back`) no longer count, as in Prisma.
  const live = recorded.filter((row) => row.rolled_back_at === null);
  const failed = live.find((row) => row.finished_at === null);
  if (failed) {
    throw new Error(
      `Postgres migration ${failed.migration_name} is recorded as a failed migration and needs manual resolution ` +
        '(fix the database, then mark it with `prisma migrate resolve`) before any migration can run.',
    );
  }
  const appliedByName = new Map(live.map((row) => [row.migration_name, row]));
  const known = new Set(migrations.map((m) => m.name));
  for (const name of appliedByName.keys()) {
    if (!known.has(name)) logger.warn({ migration: name }, `Postgres migration ${name} is applied but missing from the migrations folder`);
  }
  for (const migration of migrations) {
    const row = appliedByName.get(migration.name);
    if (row && !checksumMatches(migration, row.checksum)) {
      throw new Error(
        `Postgres migration ${migration.name} was edited after being applied (checksum differs from _prisma_migrations). ` +
          'Restore the original file and put the change in a new migration.',
      );
    }
  }
  return migrations.filter((m) => !appliedByName.has(m.name));
}

/** Prisma also accepts a file whose only change is CRLF vs LF line endings (a git checkout setting). */
function checksumMatches(migration: MigrationFile, recorded: string): boolean {
  if (migration.checksum === recorded) return true;
  const lf = migration.sql.replace(/\r\n/g, '\n');
  return sha256Hex(lf) === recorded || sha256Hex(lf.replace(/\n/g, '\r\n')) === recorded;
}

async function applyMigration(conn: SqlConnection, migration: MigrationFile): Promise<void> {
  try {
    await conn.transaction(async (tx) => {
      await tx.exec(migration.sql);
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, now(), $3, now(), 1)`,
        [randomUUID(), migration.checksum, migration.name],
      );
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Postgres migration ${migration.name} failed and was rolled back: ${reason}`, { cause: err });
  }
}
