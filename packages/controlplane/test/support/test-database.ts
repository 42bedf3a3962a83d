import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Which engine a test database runs on. */
export type TestDatabaseKind = 'pglite' | 'postgres';

/** A fresh, empty database for one test run, and how to throw it away. */
export interface TestDatabase {
  /** Postgres URL of the fresh database; null for PGlite. */
  url: string | null;
  /** PGlite data directory inside a fresh temp dir (also set for Postgres, unused there). */
  pglitePath: string;
  cleanup(): Promise<void>;
}

/** PGlite always; real Postgres too when TEST_DATABASE_URL points at a server we may create databases on. */
export function testDatabaseKinds(): TestDatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * Creates an empty database: a PGlite directory under a new temp dir, or a `relay_test_<random>`
 * database on TEST_DATABASE_URL's server, so parallel runs and files never share state.
 */
export async function openTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-db-test-'));
  const pglitePath = join(dir, 'pglite');
  const removeDir = () => rm(dir, { recursive: true, force: true });
  if (kind === 'pglite') return { url: null, pglitePath, cleanup: removeDir };

  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('openTestDatabase("postgres") needs TEST_DATABASE_URL (see testDatabaseKinds()).');
  const name = `relay_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    pglitePath,
    cleanup: async () => {
      // WITH (FORCE) (Postgres 13+) ends sessions a failed test left open.
      await withAdminClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      await removeDir();
    },
  };
}

async function withAdminClient<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
