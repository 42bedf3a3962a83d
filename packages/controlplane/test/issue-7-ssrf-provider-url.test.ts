import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDataplaneConfig } from '@proxystacks/dataplane/config';
import type { HostResolver, ResolvedAddress } from '@proxystacks/shared/net/host-resolver';
import { loadControlplaneConfig } from '../src/config.ts';
import { embeddedAddressPolicyEnv } from '../src/runtime/start-relay.ts';
import { startGraphQLHarness, type GraphQLHarness, type GraphQLResponse } from './graphql/graphql-harness.ts';

/**
 * Issue 7: a provider base URL that points at a cloud metadata service, a link-local address,
 * or (unless allowed) loopback or a private network is refused on createProvider and
 * updateProvider, by its text and by what its host resolves to. The resolver is a stub: no
 * real DNS, and the control plane never connects to a provider at all.
 */
const STUB_ZONE: Record<string, ResolvedAddress[]> = {
  'metadata-alias.example': [{ address: '169.254.169.254', family: 4 }],
  'imds6.example': [{ address: 'fd00:ec2::254', family: 6 }],
  'linklocal.example': [{ address: 'fe80::1', family: 6 }],
  'internal.example': [{ address: '10.20.30.40', family: 4 }],
  'loopback.example': [{ address: '127.0.0.1', family: 4 }],
  'public.example': [{ address: '93.184.215.14', family: 4 }],
  // A public answer does not excuse a metadata one beside it.
  'mixed.example': [
    { address: '93.184.215.14', family: 4 },
    { address: '::ffff:169.254.169.254', family: 6 },
  ],
};
const lookups: string[] = [];
const stubResolver: HostResolver = async (hostName) => {
  lookups.push(hostName);
  const answers = STUB_ZONE[hostName];
  if (answers === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostName}`), { code: 'ENOTFOUND' });
  return answers;
};
/** Mutated per test: the harness reads it on every check (one harness per file: chDB allows one data dir per process). */
const policy = { allowLoopback: false, allowPrivate: false };

let h: GraphQLHarness;
let existingId: string;

const CREATE = 'mutation($input: CreateProviderInput!) { createProvider(input: $input) { id baseUrl } }';
const UPDATE = 'mutation($id: ID!, $input: UpdateProviderInput!) { updateProvider(id: $id, input: $input) { id baseUrl } }';

beforeAll(async () => {
  h = await startGraphQLHarness({ providerUrlPolicy: policy, resolveHost: stubResolver });
  const created = await h.ok<{ createProvider: { id: string } }>(CREATE, { input: { name: 'Existing', type: 'OPENAI_COMPATIBLE', baseUrl: 'https://public.example/v1' } });
  existingId = created.createProvider.id;
});

afterAll(async () => {
  await h?.close();
});

beforeEach(() => {
  policy.allowLoopback = false;
  policy.allowPrivate = false;
  lookups.length = 0;
});

let counter = 0;
async function create(baseUrl: string) {
  counter += 1;
  return h.gql<{ createProvider: { id: string; baseUrl: string } }>(CREATE, { input: { name: `p${counter}`, type: 'OPENAI_COMPATIBLE', baseUrl } });
}
async function update(baseUrl: string) {
  return h.gql<{ updateProvider: { id: string; baseUrl: string } }>(UPDATE, { id: existingId, input: { baseUrl } });
}

/** The refusal as the caller sees it: BAD_USER_INPUT on `baseUrl`, nothing stored, the URL not echoed. */
async function expectRefused(response: GraphQLResponse<unknown>, baseUrl: string, wording: RegExp) {
  expect(response.status).toBe(200);
  expect(response.body.data ?? null).toBeNull();
  const error = response.body.errors?.[0];
  expect(error?.extensions).toEqual({ code: 'BAD_USER_INPUT', param: 'baseUrl' });
  expect(error?.message).toMatch(wording);
  expect(error?.message).not.toContain(new URL(baseUrl).hostname.replace(/^\[|\]$/g, ''));
  expect(JSON.stringify(response.body)).not.toContain(baseUrl);
}

async function storedBaseUrls(): Promise<string[]> {
  const rows = await h.db.prisma.provider.findMany({ where: { orgId: h.orgId }, select: { baseUrl: true } });
  return rows.map((row) => row.baseUrl ?? '');
}

describe('createProvider and updateProvider refuse metadata and link-local base URLs always', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/', /cloud metadata service, which is never allowed/],
    ['http://2852039166/', /cloud metadata service/],
    ['http://0xa9.0xfe.0xa9.0xfe/', /cloud metadata service/],
    ['http://[::ffff:169.254.169.254]/', /cloud metadata service/],
    ['http://metadata.google.internal/computeMetadata/v1', /cloud metadata service/],
    ['http://[fd00:ec2::254]/', /cloud metadata service/],
    ['http://169.254.10.10:8000/v1', /link-local address, which is never allowed/],
    ['http://[fe80::1]:8000/v1', /link-local address/],
    ['http://0.0.0.0:11434/v1', /unspecified address/],
  ])('by its text: %s', async (baseUrl, wording) => {
    policy.allowLoopback = true;
    policy.allowPrivate = true;
    const before = await storedBaseUrls();
    await expectRefused(await create(baseUrl), baseUrl, wording);
    await expectRefused(await update(baseUrl), baseUrl, wording);
    expect(await storedBaseUrls()).toEqual(before);
    // An IP literal or a metadata name is refused without asking any resolver.
    expect(lookups).toEqual([]);
  });

  it.each([
    ['http://metadata-alias.example/v1', /host that resolves to a cloud metadata service/],
    ['https://imds6.example/v1', /host that resolves to a cloud metadata service/],
    ['https://mixed.example/v1', /host that resolves to a cloud metadata service/],
    ['http://linklocal.example:8000/v1', /host that resolves to a link-local address/],
  ])('by what its host resolves to: %s', async (baseUrl, wording) => {
    policy.allowLoopback = true;
    policy.allowPrivate = true;
    await expectRefused(await create(baseUrl), baseUrl, wording);
    await expectRefused(await update(baseUrl), baseUrl, wording);
    expect(lookups).toEqual([new URL(baseUrl).hostname, new URL(baseUrl).hostname]);
  });
});

describe('private networks and loopback depend on the configuration', () => {
  it('refuses a private address by default and accepts it with PROVIDER_URL_ALLOW_PRIVATE', async () => {
    for (const baseUrl of ['http://10.1.2.3:8000/v1', 'http://internal.example/v1', 'http://[fd12::1]/v1']) {
      await expectRefused(await create(baseUrl), baseUrl, /private network address, which this control plane does not allow \(set PROVIDER_URL_ALLOW_PRIVATE=true/);
      await expectRefused(await update(baseUrl), baseUrl, /PROVIDER_URL_ALLOW_PRIVATE=true/);
    }
    policy.allowPrivate = true;
    expect((await create('http://10.1.2.3:8000/v1')).body.data?.createProvider.baseUrl).toBe('http://10.1.2.3:8000/v1');
    expect((await update('http://internal.example/v1')).body.data?.updateProvider.baseUrl).toBe('http://internal.example/v1');
  });

  it('refuses loopback by default (relay controlplane) and accepts it when allowed (relay start)', async () => {
    for (const baseUrl of ['http://127.0.0.1:11434/v1', 'http://localhost:8000/v1', 'http://[::1]:8000/v1', 'http://loopback.example/v1']) {
      await expectRefused(await create(baseUrl), baseUrl, /loopback address, which this control plane does not allow \(set PROVIDER_URL_ALLOW_LOOPBACK=true/);
    }
    policy.allowLoopback = true;
    expect((await create('http://127.0.0.1:11434/v1')).body.data?.createProvider.baseUrl).toBe('http://127.0.0.1:11434/v1');
    expect((await update('http://loopback.example/v1')).body.data?.updateProvider.baseUrl).toBe('http://loopback.example/v1');
    // Loopback allowed says nothing about private networks.
    await expectRefused(await create('http://192.168.1.5/v1'), 'http://192.168.1.5/v1', /PROVIDER_URL_ALLOW_PRIVATE/);
  });

  it('accepts a public host, and a name that does not resolve here (the data plane checks it again on every connection)', async () => {
    expect((await create('https://public.example/v1')).body.data?.createProvider.baseUrl).toBe('https://public.example/v1');
    expect((await update('https://not-in-this-network.example/v1')).body.data?.updateProvider.baseUrl).toBe('https://not-in-this-network.example/v1');
    expect(lookups).toEqual(['public.example', 'not-in-this-network.example']);
  });

  it('still refuses credentials in the URL without echoing them', async () => {
    const response = await create('https://user:sk-secret-123@public.example/v1');
    expect(response.body.errors?.[0]).toMatchObject({ message: 'baseUrl: must not contain a user name or password', extensions: { code: 'BAD_USER_INPUT', param: 'baseUrl' } });
    expect(JSON.stringify(response.body)).not.toContain('sk-secret-123');
  });
});

describe('the configured defaults', () => {
  const secrets = {
    RELAY_MASTER_KEY: 'a'.repeat(64),
    RELAY_KEY_SECRET: 'k'.repeat(32),
    RELAY_INTERNAL_TOKEN: 't'.repeat(32),
  };

  it('relay controlplane and relay dataplane refuse loopback and private unless the environment allows them', () => {
    expect(loadControlplaneConfig(secrets).providerUrlPolicy).toEqual({ allowLoopback: false, allowPrivate: false });
    expect(loadDataplaneConfig(secrets).upstreamAddressPolicy).toEqual({ allowLoopback: false, allowPrivate: false });
    expect(loadControlplaneConfig({ ...secrets, PROVIDER_URL_ALLOW_LOOPBACK: 'true', PROVIDER_URL_ALLOW_PRIVATE: '1' }).providerUrlPolicy).toEqual({ allowLoopback: true, allowPrivate: true });
    expect(loadDataplaneConfig({ ...secrets, UPSTREAM_ALLOW_LOOPBACK: 'yes', UPSTREAM_ALLOW_PRIVATE: 'TRUE' }).upstreamAddressPolicy).toEqual({ allowLoopback: true, allowPrivate: true });
    expect(() => loadControlplaneConfig({ ...secrets, PROVIDER_URL_ALLOW_PRIVATE: 'sometimes' })).toThrow(/PROVIDER_URL_ALLOW_PRIVATE expected true or false/);
  });

  it('relay start allows loopback on both planes (the mock, local models) unless told otherwise', () => {
    const embedded = { ...secrets, ...embeddedAddressPolicyEnv({}) };
    expect(loadControlplaneConfig(embedded).providerUrlPolicy).toEqual({ allowLoopback: true, allowPrivate: false });
    expect(loadDataplaneConfig(embedded).upstreamAddressPolicy).toEqual({ allowLoopback: true, allowPrivate: false });
    const strict = { ...secrets, ...embeddedAddressPolicyEnv({ PROVIDER_URL_ALLOW_LOOPBACK: 'false', UPSTREAM_ALLOW_LOOPBACK: 'false' }) };
    expect(loadControlplaneConfig(strict).providerUrlPolicy.allowLoopback).toBe(false);
    expect(loadDataplaneConfig(strict).upstreamAddressPolicy.allowLoopback).toBe(false);
  });
});
