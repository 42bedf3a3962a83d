import { randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import { displayPrefix, generateKey, hashKey } from '@proxystacks/shared/keys/key-format';
import { createDatabase, type Database } from '../src/db/client.ts';
import { MIGRATIONS_DIR, migrateDatabase } from '../src/db/migrate.ts';
import { findTokenPrincipal, generateAdminToken } from '../src/domain/api-tokens.ts';
import { buildSnapshot } from '../src/domain/build-snapshot.ts';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from './support/test-database.ts';

// Issue 7: a database made before tenancy (init migration only) keeps working after the
// tenancy migration: keys land in their team's `default` project's `production` environment,
// the old admin token becomes an organization-wide OWNER API token, and data planes still get
// every key, active, in their snapshot.

const INIT = '20261124000000_init';
const TENANCY = '20261128000000_tenancy_and_access';
const silent = { info: () => {}, warn: () => {} };

describe.each(testDatabaseKinds())('the tenancy migration on %s', (kind) => {
  const keySecret = randomBytes(32).toString('hex');
  const orgId = randomUUID();
  const teams = { platform: randomUUID(), research: randomUUID() };
  const adminToken = { id: randomUUID(), token: generateAdminToken() };
  const keys = [
    { id: randomUUID(), teamId: teams.platform, name: 'billing-app', secret: generateKey() },
    { id: randomUUID(), teamId: teams.research, name: 'notebook', secret: generateKey() },
  ];
  let handle: TestDatabase;
  let db: Database;
  let applied: string[];

  beforeAll(async () => {
    handle = await openTestDatabase(kind);
    db = await createDatabase({ databaseUrl: handle.url, pglitePath: handle.pglitePath });
    const initOnly = await mkdtemp(join(tmpdir(), 'relay-init-migration-'));
    try {
      await cp(join(MIGRATIONS_DIR, INIT), join(initOnly, INIT), { recursive: true });
      expect((await migrateDatabase(db, silent, { migrationsDir: initOnly })).applied).toEqual([INIT]);
    } finally {
      await rm(initOnly, { recursive: true, force: true });
    }
    // The rows as the code before issue 7 wrote them.
    await db.query('INSERT INTO organization (id, name) VALUES ($1, $2)', [orgId, 'Acme']);
    await db.query('INSERT INTO team (id, org_id, name) VALUES ($1, $2, $3), ($4, $2, $5)', [teams.platform, orgId, 'Platform', teams.research, 'Research']);
    await db.query('INSERT INTO admin_token (id, org_id, name, hash) VALUES ($1, $2, $3, $4)', [adminToken.id, orgId, 'Initial admin token', hashKey(adminToken.token, keySecret)]);
    for (const key of keys) {
      await db.query('INSERT INTO api_key (id, org_id, team_id, name, prefix, hash) VALUES ($1, $2, $3, $4, $5, $6)', [
        key.id,
        orgId,
        key.teamId,
        key.name,
        displayPrefix(key.secret),
        hashKey(key.secret, keySecret),
      ]);
    }
    applied = (await migrateDatabase(db, silent)).applied;
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await handle?.cleanup();
  });

  it('applies the tenancy migration over the old rows', () => {
    expect(applied[0]).toBe(TENANCY);
  });

  it("gives every team a `default` project with production, staging and development", async () => {
    const projects = await db.prisma.project.findMany({ where: { orgId }, include: { environments: true }, orderBy: { name: 'asc' } });
    expect(projects.map((p) => [p.teamId, p.name]).sort()).toEqual([[teams.platform, 'default'], [teams.research, 'default']].sort());
    for (const project of projects) {
      expect(project.environments.map((e) => e.name).sort()).toEqual(['development', 'production', 'staging']);
      expect(project.environments.every((e) => e.orgId === orgId)).toBe(true);
    }
  });

  it("moves each key into its own team's default project's production environment, unchanged otherwise", async () => {
    for (const key of keys) {
      const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id }, include: { project: true, environment: true } });
      expect(row).toMatchObject({ teamId: key.teamId, name: key.name, status: 'ACTIVE', hash: hashKey(key.secret, keySecret), expiresAt: null, allowedAliases: [], labels: {} });
      expect(row.project).toMatchObject({ teamId: key.teamId, name: 'default' });
      expect(row.environment).toMatchObject({ projectId: row.projectId, name: 'production' });
    }
  });

  it('turns the admin token into an organization-wide OWNER API token that still signs in', async () => {
    const row = await db.prisma.apiToken.findUniqueOrThrow({ where: { id: adminToken.id } });
    expect(row).toMatchObject({ orgId, role: 'OWNER', teamId: null, expiresAt: null, revokedAt: null, prefix: 'relay-admin-' });
    const principal = await findTokenPrincipal(db.prisma, adminToken.token, keySecret);
    expect(principal).toEqual({ kind: 'token', id: adminToken.id, orgId, label: 'Initial admin token', grants: [{ role: 'OWNER', teamId: null }], sessionId: null });
    expect(await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'admin_token'")).toEqual([]);
  });

  it('still puts both keys, active, in the data plane snapshot', async () => {
    const snapshot = await buildSnapshot(db.prisma, { version: 1, masterKey: generateSecretKey(), snapshotKey: generateSecretKey() });
    const byId = new Map(snapshot.keys.map((k) => [k.id, k]));
    for (const key of keys) {
      expect(byId.get(key.id)).toMatchObject({
        hash: hashKey(key.secret, keySecret),
        orgId,
        teamId: key.teamId,
        environment: 'production',
        status: 'active',
        expiresAt: null,
        allowedAliases: [],
        previousHash: null,
      });
    }
  });
});
