import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import { generateKey, hashKey, isWellFormedKey } from '@proxystacks/shared/keys/key-format';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { findTokenPrincipal } from '../../src/domain/api-tokens.ts';
import { ensureBootstrap } from '../../src/domain/bootstrap.ts';
import { readConfigRevision } from '../../src/domain/config-revision.ts';

let dir: string;
let db: Database;
const keySecret = randomBytes(32).toString('hex');
const masterKey = generateSecretKey();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-bootstrap-test-'));
  db = await createDatabase({ databaseUrl: null, pglitePath: join(dir, 'pglite') });
  await migrateDatabase(db, pino({ level: 'silent' }));
});

afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

async function counts() {
  const p = db.prisma;
  return {
    orgs: await p.organization.count(),
    teams: await p.team.count(),
    adminTokens: await p.apiToken.count(),
    providers: await p.provider.count(),
    aliases: await p.modelAlias.count(),
    routes: await p.modelRoute.count(),
    pricingRules: await p.pricingRule.count(),
    keys: await p.apiKey.count(),
  };
}

describe('ensureBootstrap', () => {
  const demoKey = generateKey();
  let orgId: string;

  it('creates the default org and team, an admin token and the demo seed', async () => {
    const result = await ensureBootstrap(db.prisma, { keySecret, masterKey, adminToken: null, seedDemo: true, demoKey });
    orgId = result.orgId;
    expect(result.demoKey).toBe(demoKey);
    expect(result.adminToken).toMatch(/^relay-admin-[0-9A-Za-z]{43}$/);
    expect(await findTokenPrincipal(db.prisma, result.adminToken!, keySecret)).toMatchObject({ orgId });
    expect(await counts()).toEqual({ orgs: 1, teams: 1, adminTokens: 1, providers: 1, aliases: 1, routes: 1, pricingRules: 1, keys: 1 });

    const org = await db.prisma.organization.findUniqueOrThrow({ where: { id: orgId }, include: { teams: true } });
    expect(org.name).toBe('Default organization');
    expect(org.teams.map((t) => t.name)).toEqual(['Default team']);
    const provider = await db.prisma.provider.findFirstOrThrow({ include: { routes: { include: { alias: true } }, pricingRules: true } });
    expect(provider).toMatchObject({ name: 'Mock provider', type: 'MOCK', baseUrl: null, credentialSealed: null, orgId });
    expect(provider.routes).toEqual([
      expect.objectContaining({ upstreamModel: 'mock-1', priority: 0, weight: 1, alias: expect.objectContaining({ alias: 'relay-mini', orgId }) }),
    ]);
    expect(provider.pricingRules).toEqual([
      expect.objectContaining({
        model: 'mock-1',
        version: 1,
        inputMicrosPerMTok: 150_000n,
        outputMicrosPerMTok: 600_000n,
        cachedInputMicrosPerMTok: 75_000n,
      }),
    ]);
    const key = await db.prisma.apiKey.findFirstOrThrow({ include: { team: true } });
    expect(key).toMatchObject({ name: 'Demo key', status: 'ACTIVE', hash: hashKey(demoKey, keySecret), orgId });
    expect(key.team.name).toBe('Default team');
    expect(await readConfigRevision(db.prisma)).toBe(1n);
  });

  it('is idempotent: a second call creates nothing and returns no secrets', async () => {
    const again = await ensureBootstrap(db.prisma, { keySecret, masterKey, adminToken: null, seedDemo: true, demoKey });
    expect(again).toEqual({ orgId, adminToken: null, demoKey: null, ownerSetup: null });
    expect(await counts()).toEqual({ orgs: 1, teams: 1, adminTokens: 1, providers: 1, aliases: 1, routes: 1, pricingRules: 1, keys: 1 });
    expect(await readConfigRevision(db.prisma)).toBe(1n);
  });

  it('adds a configured admin token once, next to the existing one', async () => {
    const token = `relay-admin-${randomBytes(24).toString('hex')}`;
    const first = await ensureBootstrap(db.prisma, { keySecret, masterKey, adminToken: token, seedDemo: false });
    expect(first).toEqual({ orgId, adminToken: token, demoKey: null, ownerSetup: null });
    const second = await ensureBootstrap(db.prisma, { keySecret, masterKey, adminToken: token, seedDemo: false });
    expect(second.adminToken).toBeNull();
    expect(await db.prisma.apiToken.count()).toBe(2);
    expect(await findTokenPrincipal(db.prisma, token, keySecret)).toMatchObject({ orgId });
    expect(await findTokenPrincipal(db.prisma, `${token}x`, keySecret)).toBeNull();
  });

  it('refuses a malformed demo key before touching the database', async () => {
    await expect(
      ensureBootstrap(db.prisma, { keySecret, masterKey, adminToken: null, seedDemo: true, demoKey: 'sk-relay-short' }),
    ).rejects.toThrow(/not a well-formed Relay key/);
  });

  it('generates a demo key when none is given', async () => {
    const dir2 = await mkdtemp(join(tmpdir(), 'relay-bootstrap-test-'));
    const db2 = await createDatabase({ databaseUrl: null, pglitePath: join(dir2, 'pglite') });
    try {
      await migrateDatabase(db2, pino({ level: 'silent' }));
      const result = await ensureBootstrap(db2.prisma, { keySecret, masterKey, adminToken: null, seedDemo: true });
      expect(isWellFormedKey(result.demoKey!)).toBe(true);
      expect(await db2.prisma.apiKey.count({ where: { hash: hashKey(result.demoKey!, keySecret) } })).toBe(1);
    } finally {
      await db2.close();
      await rm(dir2, { recursive: true, force: true });
    }
  });
});
