import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import { buildSnapshot } from '../src/domain/build-snapshot.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';
import { testDatabaseKinds } from './support/test-database.ts';

const CREATE = 'mutation($input: CreateProviderInput!) { createProvider(input: $input) { id http2 } }';
const UPDATE = 'mutation($id: ID!, $input: UpdateProviderInput!) { updateProvider(id: $id, input: $input) { id http2 } }';

/**
 * Issue 11: a provider's HTTP/2 setting (AUTO | OFF, default OFF) over GraphQL on PGlite and
 * Postgres: stored by the migration's column, audited, and carried to data planes in the snapshot.
 */
describe.each(testDatabaseKinds())('provider http2 setting (%s)', (kind) => {
  let h: GraphQLHarness;
  let n = 0;
  const name = () => `h2-provider-${++n}`;
  const snapshotProvider = async (id: string) => {
    const snapshot = await buildSnapshot(h.db.prisma, { version: 1, masterKey: h.masterKey, snapshotKey: generateSecretKey() });
    return snapshot.providers.find((p) => p.id === id);
  };

  beforeAll(async () => {
    h = await startGraphQLHarness({ database: kind });
  }, 180_000);
  afterAll(() => h?.close());

  it('defaults to OFF, switches to AUTO and back with an audit entry each time, and the snapshot follows', async () => {
    const { createProvider: created } = await h.ok<{ createProvider: { id: string; http2: string } }>(CREATE, { input: { name: name(), type: 'OPENAI', credential: 'sk-test' } });
    expect(created.http2).toBe('OFF');
    expect((await snapshotProvider(created.id))?.http2).toBe('off');

    const { updateProvider: auto } = await h.ok<{ updateProvider: { http2: string } }>(UPDATE, { id: created.id, input: { http2: 'AUTO' } });
    expect(auto.http2).toBe('AUTO');
    expect((await snapshotProvider(created.id))?.http2).toBe('auto');
    const audits = await h.db.prisma.auditEntry.findMany({ where: { objectId: created.id }, orderBy: { id: 'asc' } });
    expect(audits).toHaveLength(2);
    expect(audits[1]!.before).toMatchObject({ http2: 'OFF' });
    expect(audits[1]!.after).toMatchObject({ http2: 'AUTO' });

    // Omitted = unchanged.
    const { updateProvider: renamed } = await h.ok<{ updateProvider: { http2: string } }>(UPDATE, { id: created.id, input: { name: name() } });
    expect(renamed.http2).toBe('AUTO');
    await h.ok(UPDATE, { id: created.id, input: { http2: 'OFF' } });
    expect((await snapshotProvider(created.id))?.http2).toBe('off');
  });

  it('creates a provider with AUTO', async () => {
    const { createProvider: created } = await h.ok<{ createProvider: { id: string; http2: string } }>(CREATE, { input: { name: name(), type: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:8081/v1', http2: 'AUTO' } });
    expect(created.http2).toBe('AUTO');
    expect((await snapshotProvider(created.id))?.http2).toBe('auto');
  });

  it('refuses a value that is not AUTO or OFF, storing nothing', async () => {
    const before = await h.db.prisma.provider.count();
    const { body } = await h.gql(CREATE, { input: { name: name(), type: 'OPENAI', http2: 'ON' } });
    expect(body.errors?.length).toBeGreaterThan(0);
    expect(await h.db.prisma.provider.count()).toBe(before);
  });
});
