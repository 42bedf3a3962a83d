import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey, isWellFormedKey } from '@proxystacks/shared/keys/key-format';
import { readConfigRevision } from '../../src/domain/config-revision.ts';
import { openProviderCredential } from '../../src/domain/providers.ts';
import { UNAUTHENTICATED_BODY } from '../../src/graphql/authenticate-request.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql-harness.ts';

const KEY_FIELDS = 'id name prefix status createdAt lastUsedAt revokedAt team { id name }';

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  status: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  team: { id: string; name: string };
}

let h: GraphQLHarness;

beforeAll(async () => {
  h = await startGraphQLHarness();
});

afterAll(async () => {
  await h?.close();
});

describe('admin authentication', () => {
  it.each([
    ['no Authorization header', null],
    ['a wrong token', 'relay-admin-notAToken0000000000000000000000000000'],
    ['an empty bearer', ''],
  ])('answers 401 with the GraphQL-shaped body for %s', async (_label, token) => {
    const response = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.text()).toBe(UNAUTHENTICATED_BODY);
    expect(JSON.parse(UNAUTHENTICATED_BODY)).toEqual({
      errors: [{ message: 'Sign in, or send an API token as `Authorization: Bearer <token>`.', extensions: { code: 'unauthenticated' } }],
    });
  });

  it('refuses introspection without a token too', async () => {
    const { status } = await h.gql('{ __schema { queryType { name } } }', {}, null);
    expect(status).toBe(401);
  });

  it('answers viewer for the bootstrap admin and records lastUsedAt', async () => {
    const data = await h.ok<{ viewer: { id: string; name: string } }>('{ viewer { id name } }');
    const row = await h.db.prisma.apiToken.findUniqueOrThrow({ where: { hash: hashKey(h.adminToken, h.keySecret) } });
    expect(data.viewer).toEqual({ id: row.id, name: row.name });
    expect(row.lastUsedAt).not.toBeNull();
  });

  it('serves the current snapshot info', async () => {
    const data = await h.ok('{ configSnapshot { version hash createdAt } }');
    expect(data).toEqual({ configSnapshot: { version: 7, hash: 'sha256:abc', createdAt: '2025-01-02T03:04:05.000Z' } });
  });
});

describe('keys', () => {
  let created: { secret: string; key: KeyRow };

  it('creates a key in the default team, returning the secret once and storing only its hash', async () => {
    const revisionBefore = await readConfigRevision(h.db.prisma);
    const changesBefore = h.configChanges();
    const data = await h.ok<{ createKey: { secret: string; key: KeyRow } }>(
      `mutation($input: CreateKeyInput!) { createKey(input: $input) { secret key { ${KEY_FIELDS} } } }`,
      { input: { name: '  billing-app  ' } },
    );
    created = data.createKey;
    expect(isWellFormedKey(created.secret)).toBe(true);
    expect(created.key).toMatchObject({ name: 'billing-app', status: 'ACTIVE', lastUsedAt: null, revokedAt: null });
    expect(created.key.team.name).toBe('Default team');
    expect(created.secret.startsWith(created.key.prefix)).toBe(true);

    const row = await h.db.prisma.apiKey.findUniqueOrThrow({ where: { id: created.key.id } });
    expect(row.hash).toBe(hashKey(created.secret, h.keySecret));
    const rawRows = await h.db.query<Record<string, unknown>>('SELECT * FROM api_key WHERE id = $1', [created.key.id]);
    expect(JSON.stringify(rawRows)).not.toContain(created.secret);
    expect(await readConfigRevision(h.db.prisma)).toBe(revisionBefore + 1n);
    expect(h.configChanges()).toBe(changesBefore + 1);
  });

  it('creates a key in a given team', async () => {
    const { createTeam } = await h.ok<{ createTeam: { id: string; name: string } }>(
      'mutation { createTeam(input: { name: "Research" }) { id name } }',
    );
    const data = await h.ok<{ createKey: { key: KeyRow } }>(
      `mutation($input: CreateKeyInput!) { createKey(input: $input) { key { ${KEY_FIELDS} } } }`,
      { input: { name: 'notebook', teamId: createTeam.id } },
    );
    expect(data.createKey.key.team).toEqual(createTeam);
  });

  it('lists keys newest first and never exposes the hash or secret', async () => {
    const response = await h.gql<{ keys: KeyRow[] }>(`{ keys { ${KEY_FIELDS} } }`);
    expect(response.status).toBe(200);
    const names = response.body.data?.keys.map((k) => k.name);
    expect(names).toEqual(['notebook', 'billing-app']);
    const text = JSON.stringify(response.body);
    expect(text).not.toContain(created.secret);
    expect(text).not.toContain(hashKey(created.secret, h.keySecret));
    const hashField = await h.gql('{ keys { hash } }');
    expect(hashField.body.errors?.[0]?.message).toMatch(/Cannot query field "hash"/);
  });

  it('revokes a key idempotently, bumping the config revision once', async () => {
    const revisionBefore = await readConfigRevision(h.db.prisma);
    const mutation = `mutation($id: ID!) { revokeKey(id: $id) { ${KEY_FIELDS} } }`;
    const first = await h.ok<{ revokeKey: KeyRow }>(mutation, { id: created.key.id });
    expect(first.revokeKey.status).toBe('REVOKED');
    expect(first.revokeKey.revokedAt).not.toBeNull();
    expect(await readConfigRevision(h.db.prisma)).toBe(revisionBefore + 1n);

    const second = await h.ok<{ revokeKey: KeyRow }>(mutation, { id: created.key.id });
    expect(second.revokeKey).toEqual(first.revokeKey);
    expect(await readConfigRevision(h.db.prisma)).toBe(revisionBefore + 1n);

    const revoked = await h.ok<{ keys: KeyRow[] }>('query($s: ApiKeyStatus) { keys(status: $s) { id } }', { s: 'REVOKED' });
    expect(revoked.keys.map((k) => k.id)).toEqual([created.key.id]);
    const active = await h.ok<{ keys: KeyRow[] }>('query($s: ApiKeyStatus) { keys(status: $s) { name } }', { s: 'ACTIVE' });
    expect(active.keys.map((k) => k.name)).toEqual(['notebook']);
  });

  it('reports bad input and unknown ids with a safe message and a code', async () => {
    const empty = await h.gql('mutation { createKey(input: { name: "   " }) { secret } }');
    expect(empty.status).toBe(200);
    expect(empty.body.errors).toEqual([
      expect.objectContaining({ message: 'name: must not be empty', extensions: { code: 'BAD_USER_INPUT', param: 'name' } }),
    ]);
    const long = await h.gql('mutation($n: String!) { createKey(input: { name: $n }) { secret } }', { n: 'x'.repeat(101) });
    expect(long.body.errors?.[0]).toMatchObject({ message: 'name: must be at most 100 characters', extensions: { code: 'BAD_USER_INPUT' } });
    const unknown = await h.gql('mutation { revokeKey(id: "00000000-0000-4000-8000-000000000000") { id } }');
    expect(unknown.body.errors?.[0]).toMatchObject({ message: 'No key with this id in your organization.', extensions: { code: 'NOT_FOUND' } });
    const malformed = await h.gql('mutation { revokeKey(id: "not-a-uuid") { id } }');
    expect(malformed.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const badTeam = await h.gql('mutation { createKey(input: { name: "x", teamId: "00000000-0000-4000-8000-000000000000" }) { secret } }');
    expect(badTeam.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const dupTeam = await h.gql('mutation { createTeam(input: { name: "Research" }) { id } }');
    expect(dupTeam.body.errors?.[0]).toMatchObject({ message: 'A team named "Research" already exists.', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('providers', () => {
  it('stores the credential sealed and never returns it', async () => {
    const credential = 'sk-upstream-very-secret-1234567890';
    const response = await h.gql<{ createProvider: Record<string, unknown> }>(
      'mutation($input: CreateProviderInput!) { createProvider(input: $input) { id name type baseUrl hasCredential createdAt } }',
      { input: { name: 'OpenAI main', type: 'OPENAI', credential } },
    );
    expect(response.body.errors).toBeUndefined();
    const provider = response.body.data!.createProvider;
    expect(provider).toMatchObject({ name: 'OpenAI main', type: 'OPENAI', baseUrl: null, hasCredential: true });
    expect(JSON.stringify(response.body)).not.toContain(credential);

    const row = await h.db.prisma.provider.findUniqueOrThrow({ where: { id: provider.id as string } });
    expect(row.credentialSealed).toMatch(/^v2\./);
    expect(openProviderCredential(row, h.masterKey)).toBe(credential);
    const raw = await h.db.query('SELECT * FROM provider WHERE id = $1', [row.id]);
    expect(JSON.stringify(raw)).not.toContain(credential);
    // Bound to its provider: the same sealed value on another id does not open.
    expect(() => openProviderCredential({ ...row, id: '00000000-0000-4000-8000-000000000000' }, h.masterKey)).toThrow();

    const listed = await h.gql('{ providers { id name type baseUrl hasCredential credential } }');
    expect(listed.body.errors?.[0]?.message).toMatch(/Cannot query field "credential"/);
  });

  it('creates a provider without a credential and validates URLs', async () => {
    const data = await h.ok<{ createProvider: { hasCredential: boolean; baseUrl: string } }>(
      'mutation { createProvider(input: { name: "Local vLLM", type: OPENAI_COMPATIBLE, baseUrl: "http://127.0.0.1:8000/v1" }) { hasCredential baseUrl } }',
    );
    expect(data.createProvider).toEqual({ hasCredential: false, baseUrl: 'http://127.0.0.1:8000/v1' });
    const ftp = await h.gql('mutation { createProvider(input: { name: "x", type: OPENAI, baseUrl: "ftp://example.com" }) { id } }');
    expect(ftp.body.errors?.[0]).toMatchObject({ message: 'baseUrl: must be an http:// or https:// URL', extensions: { code: 'BAD_USER_INPUT' } });
    const noUrl = await h.gql('mutation { createProvider(input: { name: "y", type: OPENAI_COMPATIBLE }) { id } }');
    expect(noUrl.body.errors?.[0]?.message).toBe('baseUrl: is required for an OPENAI_COMPATIBLE provider');
    const dup = await h.gql('mutation { createProvider(input: { name: "Local vLLM", type: MOCK }) { id } }');
    expect(dup.body.errors?.[0]?.message).toBe('A provider named "Local vLLM" already exists.');
    const list = await h.ok<{ providers: Array<{ name: string }> }>('{ providers { name } }');
    expect(list.providers.map((p) => p.name)).toEqual(['Local vLLM', 'OpenAI main']);
  });
});

describe('provider updates', () => {
  it('rotates a credential (sealed again, never returned), renames, and removes it', async () => {
    const created = await h.ok<{ createProvider: { id: string } }>(
      'mutation { createProvider(input: { name: "Rotating", type: OPENAI, credential: "sk-old-1234567890" }) { id } }',
    );
    const id = created.createProvider.id;
    const revisionBefore = await readConfigRevision(h.db.prisma);
    const rotated = await h.gql<{ updateProvider: Record<string, unknown> }>(
      'mutation($id: ID!, $input: UpdateProviderInput!) { updateProvider(id: $id, input: $input) { id name hasCredential baseUrl } }',
      { id, input: { credential: 'sk-new-0987654321', name: 'Rotated' } },
    );
    expect(rotated.body.data?.updateProvider).toEqual({ id, name: 'Rotated', hasCredential: true, baseUrl: null });
    expect(JSON.stringify(rotated.body)).not.toContain('sk-new');
    const row = await h.db.prisma.provider.findUniqueOrThrow({ where: { id } });
    expect(openProviderCredential(row, h.masterKey)).toBe('sk-new-0987654321');
    expect(await readConfigRevision(h.db.prisma)).toBe(revisionBefore + 1n);

    // Omitted fields stay; null removes the credential.
    await h.ok('mutation($id: ID!) { updateProvider(id: $id, input: { baseUrl: "https://proxy.example.com/v1" }) { id } }', { id });
    expect(openProviderCredential(await h.db.prisma.provider.findUniqueOrThrow({ where: { id } }), h.masterKey)).toBe('sk-new-0987654321');
    const cleared = await h.ok<{ updateProvider: { hasCredential: boolean; baseUrl: string } }>(
      'mutation($id: ID!) { updateProvider(id: $id, input: { credential: null }) { hasCredential baseUrl } }',
      { id },
    );
    expect(cleared.updateProvider).toEqual({ hasCredential: false, baseUrl: 'https://proxy.example.com/v1' });
  });

  it('refuses unknown ids, bad URLs and an OPENAI_COMPATIBLE provider without a base URL', async () => {
    const unknown = await h.gql('mutation { updateProvider(id: "00000000-0000-4000-8000-000000000000", input: { name: "x" }) { id } }');
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const local = await h.ok<{ createProvider: { id: string } }>(
      'mutation { createProvider(input: { name: "Local", type: OPENAI_COMPATIBLE, baseUrl: "http://127.0.0.1:8000/v1" }) { id } }',
    );
    const noUrl = await h.gql('mutation($id: ID!) { updateProvider(id: $id, input: { baseUrl: null }) { id } }', { id: local.createProvider.id });
    expect(noUrl.body.errors?.[0]).toMatchObject({ message: 'An OPENAI_COMPATIBLE provider needs a base URL.', extensions: { code: 'BAD_USER_INPUT' } });
    const ftp = await h.gql('mutation($id: ID!) { updateProvider(id: $id, input: { baseUrl: "ftp://x" }) { id } }', { id: local.createProvider.id });
    expect(ftp.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('model aliases and pricing rules', () => {
  let providerId: string;

  beforeAll(async () => {
    const data = await h.ok<{ createProvider: { id: string } }>(
      'mutation { createProvider(input: { name: "Mock", type: MOCK }) { id } }',
    );
    providerId = data.createProvider.id;
  });

  it('creates an alias with its routes in priority order', async () => {
    const revisionBefore = await readConfigRevision(h.db.prisma);
    const data = await h.ok<{ createModelAlias: { alias: string; routes: Array<Record<string, unknown>> } }>(
      `mutation($input: CreateModelAliasInput!) {
        createModelAlias(input: $input) { id alias createdAt routes { id upstreamModel priority weight provider { id name } } }
      }`,
      {
        input: {
          alias: 'relay-fast',
          routes: [
            { providerId, upstreamModel: 'mock-backup', priority: 1 },
            { providerId, upstreamModel: 'mock-1', priority: 0, weight: 3 },
          ],
        },
      },
    );
    expect(data.createModelAlias.alias).toBe('relay-fast');
    expect(data.createModelAlias.routes.map(({ id: _id, ...r }) => r)).toEqual([
      { upstreamModel: 'mock-1', priority: 0, weight: 3, provider: { id: providerId, name: 'Mock' } },
      { upstreamModel: 'mock-backup', priority: 1, weight: 1, provider: { id: providerId, name: 'Mock' } },
    ]);
    expect(await readConfigRevision(h.db.prisma)).toBe(revisionBefore + 1n);
    const listed = await h.ok<{ modelAliases: Array<{ alias: string }> }>('{ modelAliases { alias routes { upstreamModel } } }');
    expect(listed.modelAliases.map((a) => a.alias)).toEqual(['relay-fast']);
  });

  it('rejects aliases without routes, with foreign providers, or taken', async () => {
    const none = await h.gql('mutation { createModelAlias(input: { alias: "empty", routes: [] }) { id } }');
    expect(none.body.errors?.[0]).toMatchObject({ message: 'routes: needs at least one route', extensions: { code: 'BAD_USER_INPUT' } });
    const foreign = await h.gql(
      'mutation { createModelAlias(input: { alias: "foreign", routes: [{ providerId: "00000000-0000-4000-8000-000000000000", upstreamModel: "m" }] }) { id } }',
    );
    expect(foreign.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const taken = await h.gql('mutation($p: ID!) { createModelAlias(input: { alias: "relay-fast", routes: [{ providerId: $p, upstreamModel: "m" }] }) { id } }', {
      p: providerId,
    });
    expect(taken.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const spaced = await h.gql('mutation($p: ID!) { createModelAlias(input: { alias: "has space", routes: [{ providerId: $p, upstreamModel: "m" }] }) { id } }', {
      p: providerId,
    });
    expect(spaced.body.errors?.[0]?.message).toMatch(/^alias: may contain letters/);
  });

  it('adds a fallback route to an alias and removes it again, but never the last one', async () => {
    const { modelAliases } = await h.ok<{ modelAliases: Array<{ id: string; alias: string; routes: Array<{ id: string }> }> }>(
      '{ modelAliases { id alias routes { id } } }',
    );
    const alias = modelAliases.find((a) => a.alias === 'relay-fast')!;
    const added = await h.ok<{ addModelRoute: { routes: Array<{ id: string; upstreamModel: string; priority: number }> } }>(
      'mutation($a: ID!, $p: ID!) { addModelRoute(aliasId: $a, input: { providerId: $p, upstreamModel: "mock-last-resort", priority: 9 }) { routes { id upstreamModel priority } } }',
      { a: alias.id, p: providerId },
    );
    expect(added.addModelRoute.routes.map((r) => r.upstreamModel)).toEqual(['mock-1', 'mock-backup', 'mock-last-resort']);
    const twice = await h.gql('mutation($a: ID!, $p: ID!) { addModelRoute(aliasId: $a, input: { providerId: $p, upstreamModel: "mock-last-resort" }) { id } }', {
      a: alias.id,
      p: providerId,
    });
    expect(twice.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const last = added.addModelRoute.routes.at(-1)!;
    const removed = await h.ok<{ removeModelRoute: { routes: Array<{ upstreamModel: string }> } }>(
      'mutation($id: ID!) { removeModelRoute(id: $id) { routes { upstreamModel } } }',
      { id: last.id },
    );
    expect(removed.removeModelRoute.routes.map((r) => r.upstreamModel)).toEqual(['mock-1', 'mock-backup']);

    const single = await h.ok<{ createModelAlias: { routes: Array<{ id: string }> } }>(
      'mutation($p: ID!) { createModelAlias(input: { alias: "single", routes: [{ providerId: $p, upstreamModel: "m" }] }) { routes { id } } }',
      { p: providerId },
    );
    const refused = await h.gql('mutation($id: ID!) { removeModelRoute(id: $id) { id } }', { id: single.createModelAlias.routes[0]!.id });
    expect(refused.body.errors?.[0]).toMatchObject({ message: 'This is the last route of "single"; an alias needs at least one.', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('versions pricing rules 1 then 2, money as decimal strings', async () => {
    const mutation = `mutation($input: CreatePricingRuleInput!) {
      createPricingRule(input: $input) { id model version inputMicrosPerMTok outputMicrosPerMTok cachedInputMicrosPerMTok effectiveFrom provider { id } }
    }`;
    const first = await h.ok<{ createPricingRule: Record<string, unknown> }>(mutation, {
      input: { providerId, model: 'mock-1', inputMicrosPerMTok: '150000', outputMicrosPerMTok: '600000' },
    });
    expect(first.createPricingRule).toMatchObject({
      model: 'mock-1',
      version: 1,
      inputMicrosPerMTok: '150000',
      outputMicrosPerMTok: '600000',
      cachedInputMicrosPerMTok: null,
      provider: { id: providerId },
    });
    const second = await h.ok<{ createPricingRule: Record<string, unknown> }>(mutation, {
      input: { providerId, model: 'mock-1', inputMicrosPerMTok: '9007199254740991', outputMicrosPerMTok: '0', cachedInputMicrosPerMTok: '75000' },
    });
    expect(second.createPricingRule).toMatchObject({ version: 2, inputMicrosPerMTok: '9007199254740991', outputMicrosPerMTok: '0', cachedInputMicrosPerMTok: '75000' });
    const other = await h.ok<{ createPricingRule: { version: number } }>(mutation, {
      input: { providerId, model: 'mock-backup', inputMicrosPerMTok: '1', outputMicrosPerMTok: '2' },
    });
    expect(other.createPricingRule.version).toBe(1);

    const listed = await h.ok<{ pricingRules: Array<{ model: string; version: number }> }>('{ pricingRules { model version } }');
    expect(listed.pricingRules).toEqual([
      { model: 'mock-1', version: 2 },
      { model: 'mock-1', version: 1 },
      { model: 'mock-backup', version: 1 },
    ]);
  });

  it('rejects negative, fractional and oversized prices', async () => {
    const mutation = 'mutation($input: CreatePricingRuleInput!) { createPricingRule(input: $input) { id } }';
    const negative = await h.gql(mutation, { input: { providerId, model: 'm', inputMicrosPerMTok: '-1', outputMicrosPerMTok: '1' } });
    expect(negative.body.errors?.[0]).toMatchObject({ message: 'inputMicrosPerMTok: must not be negative', extensions: { code: 'BAD_USER_INPUT' } });
    const huge = await h.gql(mutation, { input: { providerId, model: 'm', inputMicrosPerMTok: '9007199254740992', outputMicrosPerMTok: '1' } });
    expect(huge.body.errors?.[0]?.message).toBe('inputMicrosPerMTok: must be at most 9007199254740991');
    const fraction = await h.gql(mutation, { input: { providerId, model: 'm', inputMicrosPerMTok: '1.5', outputMicrosPerMTok: '1' } });
    expect(fraction.body.errors?.[0]?.message).toMatch(/Micros must be an integer amount of micro-units/);
    const float = await h.gql(mutation, { input: { providerId, model: 'm', inputMicrosPerMTok: 1.5, outputMicrosPerMTok: '1' } });
    expect(float.body.errors?.[0]?.message).toMatch(/Micros must be an integer amount of micro-units/);
    const foreign = await h.gql(mutation, {
      input: { providerId: '00000000-0000-4000-8000-000000000000', model: 'm', inputMicrosPerMTok: '1', outputMicrosPerMTok: '1' },
    });
    expect(foreign.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
