import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import { hashKey, isWellFormedKey } from '@proxystacks/shared/keys/key-format';
import type { Role } from '../src/generated/prisma/client.ts';
import { REDACTED } from '../src/audit/redact-for-audit.ts';
import { readConfigRevision } from '../src/domain/config-revision.ts';
import { generateApiToken, insertApiToken } from '../src/domain/api-tokens.ts';
import { buildSnapshot } from '../src/domain/build-snapshot.ts';
import { startGraphQLHarness, type GraphQLHarness, type GraphQLResponse } from './graphql/graphql-harness.ts';

// Issue 7, control plane tenancy: teams → projects → environments over GraphQL, keys with an
// environment, expiry, alias allow-list, labels, creator, disable/enable and rotation with a
// grace period; routes and providers per environment; team-scoped tokens see and change only
// their teams; and every config mutation leaves its audit entry in the same transaction.

const KEY_FIELDS = `id name prefix status expiresAt disabledAt revokedAt rotatedAt previousPrefix previousSecretExpiresAt
  allowedAliases labels { key value } createdBy team { id name } project { id name } environment { id name }`;

interface KeyView {
  id: string;
  name: string;
  prefix: string;
  status: string;
  expiresAt: string | null;
  disabledAt: string | null;
  revokedAt: string | null;
  rotatedAt: string | null;
  previousPrefix: string | null;
  previousSecretExpiresAt: string | null;
  allowedAliases: string[];
  labels: Array<{ key: string; value: string }>;
  createdBy: string | null;
  team: { id: string; name: string };
  project: { id: string; name: string };
  environment: { id: string; name: string };
}
interface ProjectView {
  id: string;
  name: string;
  team: { id: string };
  environments: Array<{ id: string; name: string }>;
}
type Errors = NonNullable<GraphQLResponse<unknown>['body']['errors']>;

let h: GraphQLHarness;
let requestCounter = 0;

beforeAll(async () => {
  h = await startGraphQLHarness();
}, 120_000);
afterAll(() => h?.close());

/** A GraphQL call with its own x-request-id, so the audit entries it wrote can be found by it. */
async function call<T>(query: string, variables: Record<string, unknown> = {}, token: string = h.adminToken) {
  const requestId = `issue7-req-${++requestCounter}`;
  const response = await fetch(h.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>['body'];
  return { status: response.status, data: body.data ?? null, errors: body.errors, requestId };
}

/** Like call, but fails on any error. */
async function ok<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T & { requestId: string }> {
  const result = await call<T>(query, variables, token);
  if (result.status !== 200 || result.errors?.length) throw new Error(`GraphQL ${result.status}: ${JSON.stringify(result.errors)}`);
  return { ...(result.data as T), requestId: result.requestId };
}

function firstError(errors: Errors | undefined) {
  return { code: errors?.[0]?.extensions?.code, param: errors?.[0]?.extensions?.param };
}

async function auditOfRequest(requestId: string) {
  return h.db.prisma.auditEntry.findMany({ where: { requestId }, orderBy: { id: 'asc' } });
}

async function tokenWith(role: Role, teamId: string | null, name: string): Promise<string> {
  const token = generateApiToken();
  await insertApiToken(h.db.prisma, { orgId: h.orgId, name, role, teamId, expiresAt: null, createdByUserId: null, token }, h.keySecret);
  return token;
}

const inOneHour = () => new Date(Date.now() + 3_600_000).toISOString();

const CREATE_TEAM = 'mutation($name: String!) { createTeam(input: { name: $name }) { id name projects { id name environments { id name } } } }';
const CREATE_PROJECT = 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id name team { id } environments { id name } } }';
const CREATE_ENV = 'mutation($input: CreateEnvironmentInput!) { createEnvironment(input: $input) { id name project { id } } }';
const CREATE_KEY = `mutation($input: CreateKeyInput!) { createKey(input: $input) { secret key { ${KEY_FIELDS} } } }`;

// Shared across the describe blocks below, in file order.
let platform: { id: string; defaultProject: ProjectView };
let research: { id: string; defaultProject: ProjectView };
let checkout: ProjectView;
let providerId: string;

describe('teams, projects and environments', () => {
  it('creates a team with a default project holding production, staging and development', async () => {
    const { createTeam } = await ok<{ createTeam: { id: string; name: string; projects: ProjectView[] } }>(CREATE_TEAM, { name: 'Platform' });
    expect(createTeam.projects.map((p) => p.name)).toEqual(['default']);
    expect(createTeam.projects[0]!.environments.map((e) => e.name)).toEqual(['production', 'staging', 'development']);
    platform = { id: createTeam.id, defaultProject: { ...createTeam.projects[0]!, team: { id: createTeam.id } } };
    const other = await ok<{ createTeam: { id: string; projects: ProjectView[] } }>(CREATE_TEAM, { name: 'Research' });
    research = { id: other.createTeam.id, defaultProject: { ...other.createTeam.projects[0]!, team: { id: other.createTeam.id } } };
  });

  it('renames a team, refusing a taken name and an unknown id', async () => {
    const mutation = 'mutation($id: ID!, $name: String!) { updateTeam(id: $id, input: { name: $name }) { id name } }';
    const renamed = await ok<{ updateTeam: { id: string; name: string } }>(mutation, { id: platform.id, name: 'Platform eng' });
    expect(renamed.updateTeam).toEqual({ id: platform.id, name: 'Platform eng' });
    expect(firstError((await call(mutation, { id: platform.id, name: 'Research' })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'name' });
    expect(firstError((await call(mutation, { id: '00000000-0000-4000-8000-000000000000', name: 'X' })).errors)).toEqual({ code: 'NOT_FOUND', param: 'id' });
  });

  it('creates a project with the standard environments, unique by name per team', async () => {
    const { createProject } = await ok<{ createProject: ProjectView }>(CREATE_PROJECT, { input: { teamId: platform.id, name: 'checkout' } });
    expect(createProject).toMatchObject({ name: 'checkout', team: { id: platform.id } });
    expect(createProject.environments.map((e) => e.name)).toEqual(['production', 'staging', 'development']);
    checkout = createProject;
    const again = await call(CREATE_PROJECT, { input: { teamId: platform.id, name: 'checkout' } });
    expect(firstError(again.errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'name' });
    // Another team may use the same name.
    await ok(CREATE_PROJECT, { input: { teamId: research.id, name: 'checkout' } });
  });

  it('adds a named environment: a lower-case slug, unique per project', async () => {
    const { createEnvironment } = await ok<{ createEnvironment: { name: string; project: { id: string } } }>(CREATE_ENV, {
      input: { projectId: checkout.id, name: 'eu-staging' },
    });
    expect(createEnvironment).toMatchObject({ name: 'eu-staging', project: { id: checkout.id } });
    for (const bad of ['Staging', 'eu staging', '-staging', 'staging-', '', 'x'.repeat(64)]) {
      const refused = await call(CREATE_ENV, { input: { projectId: checkout.id, name: bad } });
      expect(firstError(refused.errors), bad).toEqual({ code: 'BAD_USER_INPUT', param: 'name' });
    }
    expect(firstError((await call(CREATE_ENV, { input: { projectId: checkout.id, name: 'eu-staging' } })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'name' });
    const { projects } = await ok<{ projects: ProjectView[] }>('query($t: ID) { projects(teamId: $t) { id name environments { name } } }', { t: platform.id });
    expect(projects.map((p) => p.name)).toEqual(['checkout', 'default']);
    expect(projects[0]!.environments.map((e) => e.name)).toEqual(['production', 'staging', 'development', 'eu-staging']);
  });
});

describe('keys', () => {
  let key: KeyView;

  beforeAll(async () => {
    const provider = await ok<{ createProvider: { id: string } }>('mutation { createProvider(input: { name: "Mock", type: MOCK }) { id } }');
    providerId = provider.createProvider.id;
    for (const alias of ['relay-fast', 'relay-big']) {
      await ok('mutation($a: String!, $p: ID!) { createModelAlias(input: { alias: $a, routes: [{ providerId: $p, upstreamModel: "mock-1" }] }) { id } }', { a: alias, p: providerId });
    }
  });

  it('creates a key in a project environment with expiry, allowed aliases, labels and its creator', async () => {
    const staging = checkout.environments.find((e) => e.name === 'staging')!;
    const expiresAt = inOneHour();
    const revisionBefore = await readConfigRevision(h.db.prisma);
    const { createKey } = await ok<{ createKey: { secret: string; key: KeyView } }>(CREATE_KEY, {
      input: {
        name: 'checkout-staging',
        environmentId: staging.id,
        expiresAt,
        allowedAliases: ['relay-fast', 'relay-fast'],
        labels: [{ key: 'owner', value: 'payments' }, { key: 'cost.center', value: '4711' }],
      },
    });
    key = createKey.key;
    expect(isWellFormedKey(createKey.secret)).toBe(true);
    expect(key).toMatchObject({
      name: 'checkout-staging',
      status: 'ACTIVE',
      expiresAt: new Date(expiresAt).toISOString(),
      allowedAliases: ['relay-fast'],
      labels: [{ key: 'cost.center', value: '4711' }, { key: 'owner', value: 'payments' }],
      createdBy: 'Initial admin token',
      team: { id: platform.id, name: 'Platform eng' },
      project: { id: checkout.id, name: 'checkout' },
      environment: { id: staging.id, name: 'staging' },
      previousPrefix: null,
      rotatedAt: null,
    });
    const row = await h.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    const adminRow = await h.db.prisma.apiToken.findUniqueOrThrow({ where: { hash: hashKey(h.adminToken, h.keySecret) } });
    expect(row).toMatchObject({ createdByTokenId: adminRow.id, createdByUserId: null, labels: { 'cost.center': '4711', owner: 'payments' } });
    expect(await readConfigRevision(h.db.prisma)).toBe(revisionBefore + 1n);
  });

  it('files a key under the named team default/production without an environment', async () => {
    const { createKey } = await ok<{ createKey: { key: KeyView } }>(CREATE_KEY, { input: { name: 'research-app', teamId: research.id } });
    expect(createKey.key).toMatchObject({ team: { id: research.id }, project: { name: 'default' }, environment: { name: 'production' }, expiresAt: null, allowedAliases: [], labels: [] });
  });

  it.each([
    ['an expiry in the past', { expiresAt: new Date(Date.now() - 1000).toISOString() }, 'expiresAt'],
    ['an unknown alias', { allowedAliases: ['relay-fast', 'no-such-alias'] }, 'allowedAliases'],
    ['33 labels', { labels: Array.from({ length: 33 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }, 'labels'],
    ['a label key with a space', { labels: [{ key: 'cost center', value: 'x' }] }, 'labels.0.key'],
    ['an empty label key', { labels: [{ key: '', value: 'x' }] }, 'labels.0.key'],
    ['a 65-character label key', { labels: [{ key: 'k'.repeat(65), value: 'x' }] }, 'labels.0.key'],
    ['a 257-character label value', { labels: [{ key: 'k', value: 'v'.repeat(257) }] }, 'labels.0.value'],
    ['a repeated label key', { labels: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }, 'labels.1.key'],
    ['an environment of another team than teamId', { teamId: 'RESEARCH', environmentId: 'CHECKOUT_PROD' }, 'teamId'],
  ])('refuses %s with BAD_USER_INPUT naming the field, creating nothing', async (_label, extra, param) => {
    const input: Record<string, unknown> = { name: 'refused', ...extra };
    if (input.teamId === 'RESEARCH') input.teamId = research.id;
    if (input.environmentId === 'CHECKOUT_PROD') input.environmentId = checkout.environments.find((e) => e.name === 'production')!.id;
    const before = await h.db.prisma.apiKey.count();
    const refused = await call(CREATE_KEY, { input });
    expect(firstError(refused.errors)).toEqual({ code: 'BAD_USER_INPUT', param });
    expect(await h.db.prisma.apiKey.count()).toBe(before);
    expect(await auditOfRequest(refused.requestId)).toEqual([]);
  });

  it('accepts exactly 32 labels with 64-character keys and 256-character values', async () => {
    const labels = Array.from({ length: 32 }, (_, i) => ({ key: `${String(i).padStart(2, '0')}${'k'.repeat(62)}`, value: 'v'.repeat(256) }));
    const { createKey } = await ok<{ createKey: { key: KeyView } }>(CREATE_KEY, { input: { name: 'many-labels', environmentId: checkout.environments[0]!.id, labels } });
    expect(createKey.key.labels).toEqual(labels);
  });

  it('updates name, expiry, allow-list and labels; omitted fields stay', async () => {
    const mutation = `mutation($id: ID!, $input: UpdateKeyInput!) { updateKey(id: $id, input: $input) { ${KEY_FIELDS} } }`;
    const renamed = await ok<{ updateKey: KeyView }>(mutation, { id: key.id, input: { name: 'checkout-stg', allowedAliases: ['relay-big', 'relay-fast'] } });
    expect(renamed.updateKey).toMatchObject({ name: 'checkout-stg', allowedAliases: ['relay-big', 'relay-fast'], expiresAt: key.expiresAt, labels: key.labels });
    const cleared = await ok<{ updateKey: KeyView }>(mutation, { id: key.id, input: { clearExpiry: true, allowedAliases: [], labels: [{ key: 'owner', value: 'growth' }] } });
    expect(cleared.updateKey).toMatchObject({ name: 'checkout-stg', expiresAt: null, allowedAliases: [], labels: [{ key: 'owner', value: 'growth' }] });
    expect(firstError((await call(mutation, { id: key.id, input: { expiresAt: inOneHour(), clearExpiry: true } })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'clearExpiry' });
    expect(firstError((await call(mutation, { id: key.id, input: { expiresAt: '2020-01-01T00:00:00Z' } })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'expiresAt' });
    expect(firstError((await call(mutation, { id: key.id, input: { allowedAliases: ['nope'] } })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'allowedAliases' });
  });

  it('disables and enables a key (idempotently); a revoked key can never be enabled, disabled or rotated', async () => {
    const field = (name: string) => `mutation($id: ID!) { ${name}(id: $id) { status disabledAt revokedAt } }`;
    const changes = h.configChanges();
    const disabled = await ok<{ disableKey: { status: string; disabledAt: string | null } }>(field('disableKey'), { id: key.id });
    expect(disabled.disableKey.status).toBe('DISABLED');
    expect(disabled.disableKey.disabledAt).not.toBeNull();
    expect(h.configChanges()).toBe(changes + 1);
    const again = await ok<{ disableKey: { disabledAt: string } }>(field('disableKey'), { id: key.id });
    expect(again.disableKey.disabledAt).toBe(disabled.disableKey.disabledAt);
    expect(h.configChanges()).toBe(changes + 1);
    // The no-op is still on the record.
    expect((await auditOfRequest(again.requestId)).map((e) => e.action)).toEqual(['disableKey']);

    const enabled = await ok<{ enableKey: { status: string; disabledAt: string | null } }>(field('enableKey'), { id: key.id });
    expect(enabled.enableKey).toEqual({ status: 'ACTIVE', disabledAt: null, revokedAt: null });

    await ok(field('disableKey'), { id: key.id });
    const revoked = await ok<{ revokeKey: { status: string } }>(field('revokeKey'), { id: key.id });
    expect(revoked.revokeKey.status).toBe('REVOKED');
    for (const name of ['enableKey', 'disableKey']) {
      const refused = await call(field(name), { id: key.id });
      expect(firstError(refused.errors), name).toEqual({ code: 'BAD_USER_INPUT', param: 'id' });
      expect(await auditOfRequest(refused.requestId)).toEqual([]);
    }
    const rotate = await call('mutation($id: ID!) { rotateKey(id: $id, gracePeriodSeconds: 60) { secret } }', { id: key.id });
    expect(firstError(rotate.errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'id' });
    expect((await h.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).status).toBe('REVOKED');
  });

  it('filters keys by team, project and environment', async () => {
    const list = (args: string) => ok<{ keys: Array<{ name: string }> }>(`{ keys(${args}) { name } }`).then((d) => d.keys.map((k) => k.name).sort());
    expect(await list(`teamId: "${research.id}"`)).toEqual(['research-app']);
    expect(await list(`projectId: "${checkout.id}"`)).toEqual(['checkout-stg', 'many-labels']);
    expect(await list(`environmentId: "${checkout.environments.find((e) => e.name === 'staging')!.id}"`)).toEqual(['checkout-stg']);
    expect(await list(`projectId: "${checkout.id}", status: ACTIVE`)).toEqual(['many-labels']);
    expect(await list('environmentId: "not-a-uuid"')).toEqual([]);
  });
});

describe('rotation', () => {
  const ROTATE = 'mutation($id: ID!, $g: Int!) { rotateKey(id: $id, gracePeriodSeconds: $g) { secret key { id prefix rotatedAt previousPrefix previousSecretExpiresAt status } } }';
  const snapshotKey = generateSecretKey();
  const snapshotEntry = async (id: string) =>
    (await buildSnapshot(h.db.prisma, { version: 1, masterKey: h.masterKey, snapshotKey })).keys.find((k) => k.id === id)!;

  it('gives a new secret once and keeps the old one in the snapshot for the grace period', async () => {
    const { createKey } = await ok<{ createKey: { secret: string; key: KeyView } }>(CREATE_KEY, { input: { name: 'rotating', environmentId: checkout.environments[0]!.id } });
    const oldSecret = createKey.secret;
    const startedMs = Date.now();
    const rotated = await ok<{ rotateKey: { secret: string; key: { id: string; prefix: string; previousPrefix: string; previousSecretExpiresAt: string; rotatedAt: string } } }>(ROTATE, {
      id: createKey.key.id,
      g: 3600,
    });
    const { secret, key } = rotated.rotateKey;
    expect(isWellFormedKey(secret)).toBe(true);
    expect(secret).not.toBe(oldSecret);
    expect(key.previousPrefix).toBe(createKey.key.prefix);
    expect(secret.startsWith(key.prefix)).toBe(true);
    const graceEndMs = Date.parse(key.previousSecretExpiresAt);
    expect(graceEndMs).toBeGreaterThanOrEqual(startedMs + 3_600_000);
    expect(graceEndMs).toBeLessThanOrEqual(Date.now() + 3_600_000);

    const entry = await snapshotEntry(key.id);
    expect(entry).toMatchObject({ hash: hashKey(secret, h.keySecret), previousHash: hashKey(oldSecret, h.keySecret), previousHashExpiresAt: graceEndMs, status: 'active' });

    // The audit trail shows which secret was retired and until when, never a secret or hash.
    const [audit] = await auditOfRequest(rotated.requestId);
    expect(audit).toMatchObject({ action: 'rotateKey', objectType: 'ApiKey', objectId: key.id });
    expect(audit!.before).toMatchObject({ prefix: createKey.key.prefix, previousPrefix: null, previousHashExpiresAt: null, hash: REDACTED, previousHash: null });
    expect(audit!.after).toMatchObject({ prefix: key.prefix, previousPrefix: createKey.key.prefix, previousHashExpiresAt: key.previousSecretExpiresAt, hash: REDACTED, previousHash: REDACTED });
    const text = JSON.stringify({ before: audit!.before, after: audit!.after });
    for (const secretish of [oldSecret, secret, hashKey(oldSecret, h.keySecret), hashKey(secret, h.keySecret)]) expect(text).not.toContain(secretish);

    // Rotating again replaces the previous secret; a grace of 0 ends it at once.
    const again = await ok<{ rotateKey: { secret: string } }>(ROTATE, { id: key.id, g: 0 });
    const after = await snapshotEntry(key.id);
    expect(after).toMatchObject({ hash: hashKey(again.rotateKey.secret, h.keySecret), previousHash: null, previousHashExpiresAt: null });
    const row = await h.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.previousHash).toBe(hashKey(secret, h.keySecret));
  });

  it('drops the previous secret from the snapshot when the grace ends', async () => {
    const { createKey } = await ok<{ createKey: { secret: string; key: KeyView } }>(CREATE_KEY, { input: { name: 'short-grace', environmentId: checkout.environments[0]!.id } });
    await ok(ROTATE, { id: createKey.key.id, g: 1 });
    expect((await snapshotEntry(createKey.key.id)).previousHash).toBe(hashKey(createKey.secret, h.keySecret));
    // Waits for the condition (the one-second grace running out), not a fixed time.
    await expect.poll(async () => (await snapshotEntry(createKey.key.id)).previousHash, { timeout: 15_000, interval: 100 }).toBeNull();
  });

  it.each([-1, 2_592_001])('refuses a grace of %i seconds', async (g) => {
    const { keys } = await ok<{ keys: Array<{ id: string }> }>('{ keys(status: ACTIVE, first: 1) { id } }');
    const refused = await call(ROTATE, { id: keys[0]!.id, g });
    expect(firstError(refused.errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'gracePeriodSeconds' });
  });
});

describe('routes and providers per environment', () => {
  it('stores a route environment (null = all) and a provider environment list, and ships both in the snapshot', async () => {
    const { createProvider } = await ok<{ createProvider: { id: string; enabledEnvironments: string[] } }>(
      'mutation { createProvider(input: { name: "Cheap", type: MOCK, enabledEnvironments: ["staging", "development", "staging"] }) { id enabledEnvironments } }',
    );
    expect(createProvider.enabledEnvironments).toEqual(['development', 'staging']);
    const { createModelAlias } = await ok<{ createModelAlias: { routes: Array<{ upstreamModel: string; environment: string | null }> } }>(
      `mutation($p: ID!, $c: ID!) { createModelAlias(input: { alias: "relay-env", routes: [
        { providerId: $p, upstreamModel: "real-1" },
        { providerId: $c, upstreamModel: "cheap-1", environment: "staging", priority: 1 }
      ] }) { routes { upstreamModel environment } } }`,
      { p: providerId, c: createProvider.id },
    );
    expect(createModelAlias.routes).toEqual([
      { upstreamModel: 'real-1', environment: null },
      { upstreamModel: 'cheap-1', environment: 'staging' },
    ]);
    const snapshot = await buildSnapshot(h.db.prisma, { version: 1, masterKey: h.masterKey, snapshotKey: generateSecretKey() });
    expect(snapshot.routes.find((r) => r.alias === 'relay-env')!.deployments.map((d) => [d.upstreamModel, d.environment])).toEqual([
      ['real-1', ''],
      ['cheap-1', 'staging'],
    ]);
    expect(snapshot.providers.find((p) => p.id === createProvider.id)!.environments).toEqual(['development', 'staging']);

    const updated = await ok<{ updateProvider: { enabledEnvironments: string[] } }>('mutation($id: ID!) { updateProvider(id: $id, input: { enabledEnvironments: [] }) { enabledEnvironments } }', {
      id: createProvider.id,
    });
    expect(updated.updateProvider.enabledEnvironments).toEqual([]);
  });

  it('refuses environment names that are not slugs', async () => {
    const badRoute = await call('mutation($p: ID!) { createModelAlias(input: { alias: "bad-env", routes: [{ providerId: $p, upstreamModel: "m", environment: "Staging" }] }) { id } }', { p: providerId });
    expect(firstError(badRoute.errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'routes.0.environment' });
    const alias = (await h.db.prisma.modelAlias.findFirstOrThrow({ where: { alias: 'relay-env' } })).id;
    const badAdd = await call('mutation($a: ID!, $p: ID!) { addModelRoute(aliasId: $a, input: { providerId: $p, upstreamModel: "m", environment: "eu staging" }) { id } }', { a: alias, p: providerId });
    expect(firstError(badAdd.errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'environment' });
    const badProvider = await call('mutation { createProvider(input: { name: "Bad", type: MOCK, enabledEnvironments: ["prod!"] }) { id } }');
    expect(firstError(badProvider.errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'enabledEnvironments.0' });
  });
});

describe('a team-scoped token', () => {
  let teamAdmin: string;
  let teamViewer: string;
  let researchKeyId: string;

  beforeAll(async () => {
    teamAdmin = await tokenWith('ADMIN', platform.id, 'platform automation');
    teamViewer = await tokenWith('VIEWER', platform.id, 'platform dashboards');
    researchKeyId = (await h.db.prisma.apiKey.findFirstOrThrow({ where: { teamId: research.id } })).id;
  });

  it("sees only its team's teams, projects and keys", async () => {
    for (const token of [teamAdmin, teamViewer]) {
      const data = await ok<{ teams: Array<{ id: string }>; projects: Array<{ team: { id: string } }>; keys: Array<{ team: { id: string } }> }>(
        '{ teams { id } projects { team { id } } keys { team { id } } }',
        {},
        token,
      );
      expect(data.teams.map((t) => t.id)).toEqual([platform.id]);
      expect(new Set(data.projects.map((p) => p.team.id))).toEqual(new Set([platform.id]));
      expect(data.keys.length).toBeGreaterThan(0);
      expect(new Set(data.keys.map((k) => k.team.id))).toEqual(new Set([platform.id]));
      // Asking for another team's rows answers none rather than revealing them.
      const other = await ok<{ keys: unknown[]; projects: unknown[] }>('query($t: ID) { keys(teamId: $t) { id } projects(teamId: $t) { id } }', { t: research.id }, token);
      expect(other).toMatchObject({ keys: [], projects: [] });
    }
  });

  it("is forbidden on another team's objects, and nothing changes", async () => {
    const researchEnv = research.defaultProject.environments[0]!.id;
    const attempts: Array<[string, Record<string, unknown>]> = [
      [CREATE_KEY, { input: { name: 'sneaky', environmentId: researchEnv } }],
      [CREATE_KEY, { input: { name: 'sneaky', teamId: research.id } }],
      [CREATE_KEY, { input: { name: 'sneaky', teamId: platform.id, environmentId: researchEnv } }],
      [CREATE_KEY, { input: { name: 'sneaky' } }],
      [CREATE_PROJECT, { input: { teamId: research.id, name: 'sneaky' } }],
      [CREATE_ENV, { input: { projectId: research.defaultProject.id, name: 'sneaky' } }],
      ['mutation($id: ID!) { revokeKey(id: $id) { id } }', { id: researchKeyId }],
      ['mutation($id: ID!) { disableKey(id: $id) { id } }', { id: researchKeyId }],
      ['mutation($id: ID!) { enableKey(id: $id) { id } }', { id: researchKeyId }],
      ['mutation($id: ID!) { rotateKey(id: $id, gracePeriodSeconds: 0) { secret } }', { id: researchKeyId }],
      ['mutation($id: ID!) { updateKey(id: $id, input: { name: "x" }) { id } }', { id: researchKeyId }],
      ['mutation($id: ID!) { updateTeam(id: $id, input: { name: "x" }) { id } }', { id: platform.id }],
      ['mutation { createTeam(input: { name: "x" }) { id } }', {}],
    ];
    const snapshot = async () => JSON.stringify(await h.db.query('SELECT (SELECT json_agg(k ORDER BY id) FROM api_key k) AS keys, (SELECT count(*)::int FROM project) AS projects, (SELECT count(*)::int FROM environment) AS envs, (SELECT count(*)::int FROM team) AS teams'));
    const before = await snapshot();
    for (const [query, variables] of attempts) {
      const refused = await call(query, variables, teamAdmin);
      expect(refused.status).toBe(200);
      expect(refused.data, query).toBeNull();
      expect(firstError(refused.errors).code, query).toBe('forbidden');
      expect(await auditOfRequest(refused.requestId)).toEqual([]);
    }
    expect(await snapshot()).toBe(before);
  });

  it('changes its own team, recorded as itself; a viewer of the team may not', async () => {
    const created = await ok<{ createKey: { key: KeyView } }>(CREATE_KEY, { input: { name: 'team-made', environmentId: checkout.environments[1]!.id } }, teamAdmin);
    expect(created.createKey.key).toMatchObject({ createdBy: 'platform automation', team: { id: platform.id } });
    const [entry] = await auditOfRequest(created.requestId);
    expect(entry).toMatchObject({ actorType: 'TOKEN', actorLabel: 'platform automation', action: 'createKey' });
    await ok('mutation($id: ID!) { disableKey(id: $id) { id } }', { id: created.createKey.key.id }, teamAdmin);
    await ok(CREATE_PROJECT, { input: { teamId: platform.id, name: 'team-made' } }, teamAdmin);
    const viewer = await call(CREATE_KEY, { input: { name: 'viewer-made', environmentId: checkout.environments[1]!.id } }, teamViewer);
    expect(firstError(viewer.errors).code).toBe('forbidden');
  });
});

describe('the audit trail', () => {
  it('records every config mutation with actor, action, object, before/after, request id and client address', async () => {
    const admin = await h.db.prisma.apiToken.findUniqueOrThrow({ where: { hash: hashKey(h.adminToken, h.keySecret) } });
    const credential = 'sk-upstream-audit-secret-0123456789';
    const rotatedCredential = 'sk-upstream-audit-rotated-9876543210';
    const secrets: string[] = [credential, rotatedCredential];
    const seen = new Map<string, Array<{ objectType: string; objectId: string; before: unknown; after: unknown }>>();
    const expectEntries = async (action: string, result: { requestId: string }, expected: Array<[objectType: string, objectId: string | null, created: boolean]>) => {
      const entries = await auditOfRequest(result.requestId);
      expect(entries.map((e) => [e.action, e.objectType]), action).toEqual(expected.map(([type]) => [action, type]));
      entries.forEach((entry, i) => {
        const [, objectId, created] = expected[i]!;
        expect(entry, action).toMatchObject({ orgId: h.orgId, actorType: 'TOKEN', actorId: admin.id, actorLabel: admin.name, requestId: result.requestId });
        expect(entry.clientAddress, action).toMatch(/127\.0\.0\.1$/);
        if (objectId !== null) expect(entry.objectId, action).toBe(objectId);
        expect(entry.after, action).not.toBeNull();
        if (created) expect(entry.before, action).toBeNull();
        else expect(entry.before, action).not.toBeNull();
      });
      seen.set(action, entries);
    };

    const team = await ok<{ createTeam: { id: string; projects: Array<{ id: string; environments: Array<{ id: string }> }> } }>(CREATE_TEAM, { name: 'Audited' });
    await expectEntries('createTeam', team, [['Team', team.createTeam.id, true], ['Project', team.createTeam.projects[0]!.id, true]]);
    const renamed = await ok('mutation($id: ID!) { updateTeam(id: $id, input: { name: "Audited 2" }) { id } }', { id: team.createTeam.id });
    await expectEntries('updateTeam', renamed, [['Team', team.createTeam.id, false]]);
    expect(seen.get('updateTeam')![0]).toMatchObject({ before: { name: 'Audited' }, after: { name: 'Audited 2' } });
    const project = await ok<{ createProject: ProjectView }>(CREATE_PROJECT, { input: { teamId: team.createTeam.id, name: 'app' } });
    await expectEntries('createProject', project, [['Project', project.createProject.id, true]]);
    const env = await ok<{ createEnvironment: { id: string } }>(CREATE_ENV, { input: { projectId: project.createProject.id, name: 'qa' } });
    await expectEntries('createEnvironment', env, [['Environment', env.createEnvironment.id, true]]);

    const key = await ok<{ createKey: { secret: string; key: KeyView } }>(CREATE_KEY, { input: { name: 'audited', environmentId: env.createEnvironment.id, labels: [{ key: 'a', value: 'b' }] } });
    secrets.push(key.createKey.secret, hashKey(key.createKey.secret, h.keySecret));
    const keyId = key.createKey.key.id;
    await expectEntries('createKey', key, [['ApiKey', keyId, true]]);
    expect(seen.get('createKey')![0]!.after).toMatchObject({ name: 'audited', hash: REDACTED, labels: { a: 'b' }, environmentId: env.createEnvironment.id, createdByTokenId: admin.id });
    const updated = await ok('mutation($id: ID!) { updateKey(id: $id, input: { name: "audited-2" }) { id } }', { id: keyId });
    await expectEntries('updateKey', updated, [['ApiKey', keyId, false]]);
    for (const action of ['disableKey', 'enableKey']) {
      await expectEntries(action, await ok(`mutation($id: ID!) { ${action}(id: $id) { id } }`, { id: keyId }), [['ApiKey', keyId, false]]);
    }
    expect(seen.get('disableKey')![0]).toMatchObject({ before: { status: 'ACTIVE' }, after: { status: 'DISABLED' } });
    const rotated = await ok<{ rotateKey: { secret: string } }>('mutation($id: ID!) { rotateKey(id: $id, gracePeriodSeconds: 60) { secret } }', { id: keyId });
    secrets.push(rotated.rotateKey.secret, hashKey(rotated.rotateKey.secret, h.keySecret));
    await expectEntries('rotateKey', rotated, [['ApiKey', keyId, false]]);
    await expectEntries('revokeKey', await ok('mutation($id: ID!) { revokeKey(id: $id) { id } }', { id: keyId }), [['ApiKey', keyId, false]]);
    expect(seen.get('revokeKey')![0]).toMatchObject({ before: { status: 'ACTIVE' }, after: { status: 'REVOKED' } });

    const provider = await ok<{ createProvider: { id: string } }>('mutation($c: String!) { createProvider(input: { name: "Audited upstream", type: OPENAI, credential: $c }) { id } }', { c: credential });
    const pid = provider.createProvider.id;
    await expectEntries('createProvider', provider, [['Provider', pid, true]]);
    expect(seen.get('createProvider')![0]!.after).toMatchObject({ credentialSealed: REDACTED });
    const sealedBefore = (await h.db.prisma.provider.findUniqueOrThrow({ where: { id: pid } })).credentialSealed!;
    const rotatedProvider = await ok('mutation($id: ID!, $c: String!) { updateProvider(id: $id, input: { credential: $c }) { id } }', { id: pid, c: rotatedCredential });
    await expectEntries('updateProvider', rotatedProvider, [['Provider', pid, false]]);
    const sealedAfter = (await h.db.prisma.provider.findUniqueOrThrow({ where: { id: pid } })).credentialSealed!;
    secrets.push(sealedBefore, sealedAfter);
    // The rotation is visible (a credential was set) without the secret in either form.
    expect(seen.get('updateProvider')![0]).toMatchObject({ before: { credentialSealed: REDACTED }, after: { credentialSealed: REDACTED, credential: REDACTED } });
    const removed = await ok('mutation($id: ID!) { updateProvider(id: $id, input: { credential: null }) { id } }', { id: pid });
    expect((await auditOfRequest(removed.requestId))[0]).toMatchObject({ before: { credentialSealed: REDACTED }, after: { credentialSealed: null, credential: null } });

    const alias = await ok<{ createModelAlias: { id: string; routes: Array<{ id: string }> } }>(
      'mutation($p: ID!) { createModelAlias(input: { alias: "audited-alias", routes: [{ providerId: $p, upstreamModel: "gpt-x" }] }) { id routes { id } } }',
      { p: pid },
    );
    await expectEntries('createModelAlias', alias, [['ModelAlias', alias.createModelAlias.id, true]]);
    expect(seen.get('createModelAlias')![0]!.after).toMatchObject({ alias: 'audited-alias', routes: [{ upstreamModel: 'gpt-x', environment: '' }] });
    const added = await ok<{ addModelRoute: { routes: Array<{ id: string; upstreamModel: string }> } }>(
      'mutation($a: ID!, $p: ID!) { addModelRoute(aliasId: $a, input: { providerId: $p, upstreamModel: "gpt-y", environment: "qa" }) { routes { id upstreamModel } } }',
      { a: alias.createModelAlias.id, p: pid },
    );
    const routeId = added.addModelRoute.routes.find((r) => r.upstreamModel === 'gpt-y')!.id;
    await expectEntries('addModelRoute', added, [['ModelRoute', routeId, true]]);
    const removedRoute = await ok('mutation($id: ID!) { removeModelRoute(id: $id) { id } }', { id: routeId });
    const [removal] = await auditOfRequest(removedRoute.requestId);
    expect(removal).toMatchObject({ action: 'removeModelRoute', objectType: 'ModelRoute', objectId: routeId, before: { upstreamModel: 'gpt-y', environment: 'qa' }, after: null });
    seen.set('removeModelRoute', [removal!]);
    const rule = await ok<{ createPricingRule: { id: string } }>(
      'mutation($p: ID!) { createPricingRule(input: { providerId: $p, model: "gpt-x", inputMicrosPerMTok: "100", outputMicrosPerMTok: "200" }) { id } }',
      { p: pid },
    );
    await expectEntries('createPricingRule', rule, [['PricingRule', rule.createPricingRule.id, true]]);
    expect(seen.get('createPricingRule')![0]!.after).toMatchObject({ inputMicrosPerMTok: '100', outputMicrosPerMTok: '200', version: 1 });

    expect([...seen.keys()].sort()).toEqual(
      [
        'createTeam', 'updateTeam', 'createProject', 'createEnvironment',
        'createKey', 'updateKey', 'disableKey', 'enableKey', 'rotateKey', 'revokeKey',
        'createProvider', 'updateProvider', 'createModelAlias', 'addModelRoute', 'removeModelRoute', 'createPricingRule',
      ].sort(),
    );
    // No secret, key hash or sealed credential anywhere in the trail.
    const trail = JSON.stringify(await h.db.query('SELECT * FROM audit_entry'));
    for (const secret of secrets) expect(trail).not.toContain(secret);
  });
});
