import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PGlite, type Transaction as PGliteTransaction } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { acquireDirectoryLock } from '@proxystacks/shared/fs/directory-lock';
import { PrismaClient } from '../generated/prisma/client.ts';

/** Raw SQL on some session: used by migrations and tests, never by request handling. */
export interface SqlSession {
  /** Runs one statement with `$1…` parameters and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs multi-statement SQL (a migration file); takes no parameters. */
  exec(sql: string): Promise<void>;
}

/** One connection held for a while, so session state (advisory locks, transactions) sticks. */
export interface SqlConnection extends SqlSession {
  /** Runs `fn` between BEGIN and COMMIT on this connection; rolls back and rethrows if it throws. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
}

/** The control plane's Postgres: a Prisma client plus raw SQL, over a pg pool or embedded PGlite. */
export interface Database extends SqlSession {
  readonly kind: 'postgres' | 'pglite';
  readonly prisma: PrismaClient;
  /**
   * Runs `fn` on one dedicated connection (a pooled client on Postgres, the only connection on
   * PGlite). Pooled `query` may hop between connections, which breaks session-level advisory
   * locks and BEGIN/COMMIT; the migrator needs this.
   */
  withConnection<T>(fn: (conn: SqlConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Where the database lives: a Postgres URL, or (null) an embedded PGlite directory. */
export interface DatabaseOptions {
  databaseUrl: string | null;
  pglitePath: string;
}

/** Opens Postgres when `databaseUrl` is set, otherwise PGlite at `pglitePath` (locked against a second process). */
export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl === null ? openPglite(options.pglitePath) : openPostgres(options.databaseUrl);
}

async function openPostgres(databaseUrl: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  // An idle client losing its server emits 'error' on the pool; unhandled, it kills the process.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw connectionError(err, databaseUrl);
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    kind: 'postgres',
    prisma,
    query: async <T>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as T[],
    exec: async (sql) => {
      await pool.query(sql);
    },
    withConnection: async (fn) => {
      const client = await pool.connect();
      try {
        return await fn(pgConnection(client));
      } finally {
        client.release();
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

function pgConnection(client: pg.PoolClient): SqlConnection {
  const session: SqlSession = {
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    exec: async (sql) => {
      await client.query(sql);
    },
  };
  return {
    ...session,
    transaction: async (fn) => {
      await client.query('BEGIN');
      try {
        const result = await fn(session);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    },
  };
}

/**
 * Rebuilds a connection error without the password: pg and URL parsing may echo the URL, and
 * the message ends up in logs. The original error is not attached as `cause` for the same reason.
 */
function connectionError(err: unknown, databaseUrl: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  const safe = new Error(`Cannot connect to Postgres at ${maskDatabaseUrl(databaseUrl)}: ${redactPassword(message, databaseUrl)}`);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') Object.assign(safe, { code });
  return safe;
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; unparsable URLs are hidden whole. */
export function maskDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '<unparsable DATABASE_URL>';
  }
}

function redactPassword(message: string, databaseUrl: string): string {
  let password = '';
  try {
    password = new URL(databaseUrl).password;
  } catch {
    return message.split(databaseUrl).join('<DATABASE_URL>');
  }
  if (!password) return message;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // Keep the raw form only.
  }
  return [password, decoded].reduce((text, secret) => text.split(secret).join('***'), message);
}

async function openPglite(pglitePath: string): Promise<Database> {
  await mkdir(dirname(pglitePath), { recursive: true });
  // PGlite takes no lock on its directory and has no crash recovery: two processes on one
  // directory would corrupt it, so a second one must fail fast.
  const lock = await acquireDirectoryLock(`${pglitePath}.lock`, `The data directory ${pglitePath}`);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(pglitePath);
  } catch (err) {
    await lock.release();
    throw err;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  let closed = false;
  return {
    kind: 'pglite',
    prisma,
    query: async <T>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
    exec: async (sql) => {
      await pglite.exec(sql);
    },
    withConnection: async (fn) => fn(pgliteConnection(pglite)),
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        await lock.release();
      }
    },
  };
}

function pgliteConnection(pglite: PGlite): SqlConnection {
  const wrap = (target: PGlite | PGliteTransaction): SqlSession => ({
    query: async <T>(sql: string, params?: unknown[]) => (await target.query<T>(sql, params)).rows,
    exec: async (sql) => {
      await target.exec(sql);
    },
  });
  // PGlite's own transaction() holds its mutex, so Prisma queries cannot interleave into it.
  return { ...wrap(pglite), transaction: (fn) => pglite.transaction((tx) => fn(wrap(tx))) };
}

