import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyring, generateSecretKey, openSecret, sealSecret, sealedKeyId, secretKeyId } from '@proxystacks/shared/crypto/sealed-secret';
import { createDatabase, type Database } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { ensureBootstrap } from '../src/domain/bootstrap.ts';
import { rotateMasterKey } from '../src/domain/master-key-rotation.ts';

/**
 * Issue 7: the re-seal is one transaction. A failure part-way (here a credential no key on the
 * ring opens, which throws after earlier rows were already updated inside the transaction)
 * leaves every value exactly as it was, under the old key.
 */
describe('issue 7: an interrupted master key rotation changes nothing', () => {
  let dir: string;
  let db: Database;
  let orgId: string;
  const oldKey = generateSecretKey();
  const newKey = generateSecretKey();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-rotate-crash-'));
    db = await createDatabase({ databaseUrl: null, pglitePath: join(dir, 'pglite') });
    await migrateDatabase(db, pino({ level: 'silent' }));
    ({ orgId } = await ensureBootstrap(db.prisma, { keySecret: 'k'.repeat(32), masterKey: oldKey, adminToken: null, seedDemo: false }));
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const values = async () =>
    (await db.prisma.provider.findMany({ where: { credentialSealed: { not: null } }, orderBy: { id: 'asc' }, select: { id: true, credentialSealed: true } })).map(
      (p) => [p.id, p.credentialSealed!] as const,
    );

  it('rolls back every re-sealed row when a later one fails, then completes once it can', async () => {
    const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', 'ffffffff-ffff-4fff-bfff-ffffffffffff'];
    const strayKey = generateSecretKey();
    for (const [index, id] of ids.entries()) {
      // The last one (by id, the order the rotation walks) is sealed under a key nobody holds.
      const key = index === ids.length - 1 ? strayKey : oldKey;
      await db.prisma.provider.create({
        data: { id, orgId, name: `p${index}`, type: 'MOCK', credentialSealed: sealSecret(`credential-${index}`, key, `provider:${id}`) },
      });
    }
    const before = await values();
    const ring = createKeyring(newKey, [oldKey]);
    await expect(rotateMasterKey(db.prisma, ring)).rejects.toThrow(`The credential of provider ${ids[2]} opens under none of the keys given`);
    expect(await values()).toEqual(before);
    for (const [id, sealed] of (await values()).slice(0, 2)) {
      expect(sealedKeyId(sealed)).toBe(secretKeyId(oldKey));
      expect(openSecret(sealed, oldKey, `provider:${id}`)).toMatch(/^credential-\d$/);
    }

    await db.prisma.provider.update({ where: { id: ids[2]! }, data: { credentialSealed: sealSecret('credential-2', oldKey, `provider:${ids[2]}`) } });
    expect(await rotateMasterKey(db.prisma, ring)).toEqual({ resealed: 3, alreadyCurrent: 0 });
    for (const [id, sealed] of await values()) {
      expect(openSecret(sealed, newKey, `provider:${id}`)).toMatch(/^credential-\d$/);
      expect(() => openSecret(sealed, oldKey, `provider:${id}`)).toThrow(/could not be opened/);
    }
    expect(await rotateMasterKey(db.prisma, ring)).toEqual({ resealed: 0, alreadyCurrent: 3 });
  }, 120_000);
});
