import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import { createDatabase, type Database } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { bumpConfigRevision } from '../src/domain/config-revision.ts';
import { createSnapshotPublisher, type SnapshotPublisher } from '../src/domain/snapshot-publisher.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from './support/test-database.ts';

// Issue 11 (idle cost): a control plane on PGlite is that database's only client, so its snapshot
// publisher reads the config revision only after a bump this process made, not four times a
// second for ever; on a shared database (Postgres, other control planes) it keeps polling.
// Each case runs two publishers side by side on one database with the same poll interval: the
// polling one is the clock that says how many ticks have gone by.

const logger = pino({ level: 'silent' });
const POLL_MS = 10;

describe.each(testDatabaseKinds())('snapshot publisher reads on %s', (kind) => {
  let testDb: TestDatabase;
  let db: Database;
  const publishers: SnapshotPublisher[] = [];

  beforeAll(async () => {
    testDb = await openTestDatabase(kind);
    db = await createDatabase({ databaseUrl: testDb.url, pglitePath: testDb.pglitePath });
    await migrateDatabase(db, logger);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.stop()));
    await db?.close();
    await testDb?.cleanup();
  });

  async function startPublisher(sharedDatabase: boolean) {
    const counted = countRevisionReads(db.prisma);
    const publisher = createSnapshotPublisher({ prisma: counted.prisma, internalToken: randomBytes(32).toString('hex'), masterKey: generateSecretKey(), logger, pollIntervalMs: POLL_MS, sharedDatabase });
    publishers.push(publisher);
    await publisher.start();
    return { publisher, reads: counted.reads };
  }

  /** Waits until the polling publisher has read `more` more times (so as many ticks went by). */
  async function ticks(clock: { reads(): number }, more: number) {
    const target = clock.reads() + more;
    await vi.waitFor(() => expect(clock.reads()).toBeGreaterThanOrEqual(target), { timeout: 60_000, interval: POLL_MS });
  }

  it('reads only while a bump made here is unseen, and sees one made without a refresh', async () => {
    const clock = await startPublisher(true);
    const local = await startPublisher(false);
    expect(local.reads()).toBe(1); // the first build

    await ticks(clock, 20);
    expect(local.reads()).toBe(1);

    // A change this process commits without asking for a refresh (as the ledger does when it opens
    // a customer account during ingest) is still published.
    const revision = await db.prisma.$transaction((tx) => bumpConfigRevision(tx));
    await vi.waitFor(() => expect(local.publisher.current().version).toBe(Number(revision)), { timeout: 60_000, interval: POLL_MS });
    expect(local.reads()).toBeGreaterThan(1);

    // Seen: no more reads.
    const readsWhenSeen = local.reads();
    await ticks(clock, 20);
    expect(local.reads()).toBeLessThanOrEqual(readsWhenSeen + 1); // a tick already under way when the snapshot landed
  });

  it('a rolled-back bump does not hide the next one', async () => {
    const local = await startPublisher(false);
    const before = local.publisher.current().version;
    await expect(
      db.prisma.$transaction(async (tx) => {
        await bumpConfigRevision(tx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const revision = await db.prisma.$transaction((tx) => bumpConfigRevision(tx));
    await vi.waitFor(() => expect(local.publisher.current().version).toBe(Number(revision)), { timeout: 60_000, interval: POLL_MS });
    expect(Number(revision)).toBe(before + 1);
  });
});

/** `prisma` with its config-revision reads counted (the publisher's poll); everything else passes through. */
function countRevisionReads(prisma: PrismaClient): { prisma: PrismaClient; reads(): number } {
  let reads = 0;
  const delegate = prisma.configRevision;
  const configRevision = new Proxy(delegate, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (prop !== 'findUnique' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        reads += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const counted = new Proxy(prisma, {
    get(target, prop) {
      if (prop === 'configRevision') return configRevision;
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { prisma: counted, reads: () => reads };
}
