import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import { PROVIDER_PRESETS } from '@proxystacks/shared/providers/provider-presets';
import { buildSnapshot } from '../src/domain/build-snapshot.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';
import { testDatabaseKinds } from './support/test-database.ts';

const FIELDS = 'id type baseUrl apiVersion extraHeaders { name value } hasCredential';
const CREATE = `mutation($input: CreateProviderInput!) { createProvider(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateProviderInput!) { updateProvider(id: $id, input: $input) { ${FIELDS} } }`;

interface ProviderRow {
  id: string;
  type: string;
  baseUrl: string | null;
  apiVersion: string | null;
  extraHeaders: Array<{ name: string; value: string }>;
  hasCredential: boolean;
}

/**
 * Issue 9: Azure OpenAI providers (api-version) and extra headers for the OpenAI-compatible
 * presets, over GraphQL on PGlite and Postgres (the migration adds an enum value inside its
 * transaction): stored, validated, audited, and carried to data planes in the snapshot.
 */
describe.each(testDatabaseKinds())('Azure OpenAI and provider presets (%s)', (kind) => {
  let h: GraphQLHarness;
  let n = 0;
  const name = () => `provider-${++n}`;

  beforeAll(async () => {
    h = await startGraphQLHarness({ database: kind });
  }, 180_000);
  afterAll(() => h?.close());

  it('lists the presets the console fills its form from', async () => {
    const data = await h.ok<{ providerPresets: Array<{ id: string; type: string; baseUrl: string; extraHeaders: Array<{ name: string }> }> }>(
      '{ providerPresets { id type baseUrl extraHeaders { name } } }',
    );
    expect(data.providerPresets.map((p) => p.id)).toEqual(PROVIDER_PRESETS.map((p) => p.id));
    expect(data.providerPresets.find((p) => p.id === 'azure-openai')?.type).toBe('AZURE_OPENAI');
    expect(data.providerPresets.find((p) => p.id === 'openrouter')?.extraHeaders.map((x) => x.name)).toEqual(['HTTP-Referer', 'X-Title']);
  });

  it('creates an Azure provider with its api-version, audited, and carries it into the snapshot', async () => {
    const { createProvider: created } = await h.ok<{ createProvider: ProviderRow }>(CREATE, {
      input: { name: name(), type: 'AZURE_OPENAI', baseUrl: 'http://127.0.0.1:8080', credential: 'azure-key', apiVersion: '2025-04-01-preview' },
    });
    expect(created).toMatchObject({ type: 'AZURE_OPENAI', apiVersion: '2025-04-01-preview', extraHeaders: [], hasCredential: true });
    const snapshot = await buildSnapshot(h.db.prisma, { version: 1, masterKey: h.masterKey, snapshotKey: generateSecretKey() });
    expect(snapshot.providers.find((p) => p.id === created.id)).toMatchObject({ type: 'azure_openai', apiVersion: '2025-04-01-preview', extraHeaders: {} });
    const audit = await h.db.prisma.auditEntry.findFirst({ where: { objectId: created.id } });
    expect(audit).not.toBeNull();
    expect(JSON.stringify(audit, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('azure-key');
  });

  it('stores extra headers, replaces them on update, and puts them in the snapshot', async () => {
    const { createProvider: created } = await h.ok<{ createProvider: ProviderRow }>(CREATE, {
      input: { name: name(), type: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:8081/api/v1', extraHeaders: [{ name: 'X-Title', value: 'Relay' }, { name: 'HTTP-Referer', value: 'https://relay.example.com' }] },
    });
    expect(created.extraHeaders).toEqual([{ name: 'X-Title', value: 'Relay' }, { name: 'HTTP-Referer', value: 'https://relay.example.com' }]);
    const { updateProvider: updated } = await h.ok<{ updateProvider: ProviderRow }>(UPDATE, { id: created.id, input: { extraHeaders: [{ name: 'X-Title', value: 'Relay 2' }] } });
    expect(updated.extraHeaders).toEqual([{ name: 'X-Title', value: 'Relay 2' }]);
    const snapshot = await buildSnapshot(h.db.prisma, { version: 1, masterKey: h.masterKey, snapshotKey: generateSecretKey() });
    expect(snapshot.providers.find((p) => p.id === created.id)?.extraHeaders).toEqual({ 'X-Title': 'Relay 2' });
  });

  it.each([
    ['a header the gateway sets itself', { type: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:1/v1', extraHeaders: [{ name: 'Authorization', value: 'Bearer x' }] }, 'extraHeaders'],
    ['a header value with a line break (header injection)', { type: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:1/v1', extraHeaders: [{ name: 'X-Title', value: 'a\r\nX-Evil: 1' }] }, 'extraHeaders'],
    ['an invalid header name', { type: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:1/v1', extraHeaders: [{ name: 'X Title', value: 'x' }] }, 'extraHeaders'],
    ['the same header twice', { type: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:1/v1', extraHeaders: [{ name: 'X-A', value: '1' }, { name: 'x-a', value: '2' }] }, 'extraHeaders'],
    ['an Azure provider without a base URL', { type: 'AZURE_OPENAI' }, 'baseUrl'],
    ['an api-version on a non-Azure provider', { type: 'OPENAI', apiVersion: '2024-10-21' }, 'apiVersion'],
    ['a malformed api-version', { type: 'AZURE_OPENAI', baseUrl: 'http://127.0.0.1:1', apiVersion: 'latest' }, 'apiVersion'],
  ])('refuses %s with a clear error naming the field, storing nothing', async (_what, input, param) => {
    const before = await h.db.prisma.provider.count();
    const { body } = await h.gql(CREATE, { input: { name: name(), ...input } });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(String(body.errors?.[0]?.extensions?.param ?? body.errors?.[0]?.message)).toContain(param);
    expect(JSON.stringify(body)).not.toContain('Bearer x');
    expect(await h.db.prisma.provider.count()).toBe(before);
  });
});
