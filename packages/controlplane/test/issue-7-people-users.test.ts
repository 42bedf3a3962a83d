import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '@proxystacks/shared/keys/key-format';
import { createGraphQLHandler } from '../src/graphql/handler.ts';
import { offlineResolver, startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';
import { completeSetup, postAuth, sessionGql, tokenOfSetupUrl, type ConsoleSession } from './support/console-session.ts';

/**
 * Issue 7, users, roles and API tokens over real HTTP: an owner creates users and hands them a
 * one-time set-up link (single use, 7 days, replaced by a newer one); roles are granted and
 * revoked on the organization or a team, never leaving the organization without an owner; API
 * tokens carry a role no stronger than their creator's there, a scope and an expiry; the
 * bootstrap admin token is an owner token until revoked. Every change leaves its audit entry.
 */
const PASSWORD = 'people and roles passphrase';
const USER_FIELDS = 'id email name hasPassword disabledAt lockedUntil lastSignInAt grants { id role team { id } }';

interface UserRow {
  id: string;
  email: string;
  hasPassword: boolean;
  disabledAt: string | null;
  grants: Array<{ id: string; role: string; team: { id: string } | null }>;
}

let h: GraphQLHarness;
let teamA: string;
let teamB: string;

async function createUser(email: string, role: string, teamId?: string, requestId?: string) {
  const response = await fetch(h.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.adminToken}`, ...(requestId ? { 'x-request-id': requestId } : {}) },
    body: JSON.stringify({
      query: `mutation($input: CreateUserInput!) { createUser(input: $input) { setupUrl setupExpiresAt user { ${USER_FIELDS} } } }`,
      variables: { input: { email, name: email.split('@')[0], role, ...(teamId ? { teamId } : {}) } },
    }),
  });
  const body = (await response.json()) as { data: { createUser: { setupUrl: string; setupExpiresAt: string; user: UserRow } }; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data.createUser;
}

async function userWithSession(email: string, role: string, teamId?: string): Promise<{ user: UserRow; session: ConsoleSession }> {
  const created = await createUser(email, role, teamId);
  return { user: created.user, session: await completeSetup(h.origin, created.setupUrl, PASSWORD) };
}

const auditOf = async (requestId: string) =>
  (await h.db.prisma.auditEntry.findMany({ where: { requestId }, orderBy: { id: 'asc' } })).map((e) => `${e.actorType}:${e.action}:${e.objectType}`);

beforeAll(async () => {
  h = await startGraphQLHarness();
  teamA = (await h.db.prisma.team.findFirstOrThrow({ where: { orgId: h.orgId } })).id;
  teamB = (await h.ok<{ createTeam: { id: string } }>('mutation { createTeam(input: { name: "Team B" }) { id } }')).createTeam.id;
}, 120_000);

afterAll(() => h?.close());

describe('users and set-up links', () => {
  it('createUser returns a one-time set-up link on the console, valid 7 days, stored only as an HMAC', async () => {
    const before = Date.now();
    const created = await createUser('fay@example.com', 'ANALYST', undefined, 'req-create-fay');
    expect(created.setupUrl).toMatch(new RegExp(`^${h.origin}/setup#token=relay-setup-[0-9A-Za-z]{43}$`));
    const expiresAt = Date.parse(created.setupExpiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 7 * 24 * 3_600_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 7 * 24 * 3_600_000);
    expect(created.user).toMatchObject({ email: 'fay@example.com', hasPassword: false, grants: [{ role: 'ANALYST', team: null }] });
    const token = tokenOfSetupUrl(created.setupUrl);
    const link = await h.db.prisma.setupLink.findUniqueOrThrow({ where: { tokenHash: hashKey(token, h.keySecret) } });
    expect(JSON.stringify(link)).not.toContain(token);
    expect(await auditOf('req-create-fay')).toEqual(['TOKEN:createUser:User', 'TOKEN:createUser:RoleGrant', 'TOKEN:createUser:SetupLink']);
    const entries = await h.db.prisma.auditEntry.findMany({ where: { requestId: 'req-create-fay', objectType: 'SetupLink' } });
    expect(entries[0]!.after).toMatchObject({ tokenHash: '[redacted]' });

    // The link works once: it sets the password and signs in; a second use is refused.
    const first = await postAuth(h.origin, '/auth/setup', { token, password: PASSWORD }, { 'x-request-id': 'req-setup-fay' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ viewer: { kind: 'user', name: 'fay@example.com', role: 'ANALYST' } });
    expect(await auditOf('req-setup-fay')).toEqual(['USER:setUpPassword:User', 'USER:setUpPassword:SetupLink', 'USER:signIn:UserSession']);
    const again = await postAuth(h.origin, '/auth/setup', { token, password: 'another passphrase here' });
    expect(again.status).toBe(401);
    expect(again.body.error?.message).toMatch(/not valid/);
    expect((await postAuth(h.origin, '/auth/sign-in', { email: 'fay@example.com', password: PASSWORD })).status).toBe(200);
    expect((await postAuth(h.origin, '/auth/sign-in', { email: 'fay@example.com', password: 'another passphrase here' })).status).toBe(401);
  });

  it('a link stops working when it expires or when a newer one is issued', async () => {
    const created = await createUser('gus@example.com', 'VIEWER');
    const { createSetupLink } = await h.ok<{ createSetupLink: { setupUrl: string; expiresAt: string } }>(
      'mutation($id: ID!) { createSetupLink(userId: $id) { setupUrl expiresAt } }',
      { id: created.user.id },
    );
    expect((await postAuth(h.origin, '/auth/setup', { token: tokenOfSetupUrl(created.setupUrl), password: PASSWORD })).status).toBe(401);

    const newest = tokenOfSetupUrl(createSetupLink.setupUrl);
    await h.db.prisma.setupLink.update({ where: { tokenHash: hashKey(newest, h.keySecret) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await postAuth(h.origin, '/auth/setup', { token: newest, password: PASSWORD })).status).toBe(401);
    expect((await postAuth(h.origin, '/auth/setup', { token: 'relay-setup-made-up', password: PASSWORD })).status).toBe(401);
    const user = await h.db.prisma.user.findUniqueOrThrow({ where: { id: created.user.id } });
    expect(user.passwordHash).toBeNull();
  });

  it('set-up links use RELAY_PUBLIC_URL when it is configured', async () => {
    // A second handler on the same database, configured with a public URL.
    const yoga = createGraphQLHandler({
      prisma: h.db.prisma,
      clickhouse: h.clickhouse,
      keySecret: h.keySecret,
      masterKey: h.masterKey,
      providerUrls: { policy: { allowLoopback: true, allowPrivate: false }, resolve: offlineResolver },
      logger: pino({ level: 'silent' }),
      onConfigChanged: async () => undefined,
      currentSnapshot: () => ({ version: 1, hash: 'x', createdAt: new Date(0).toISOString() }),
      auth: { ...h.auth, publicUrl: 'https://relay.example.com/console' },
    });
    const server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.adminToken}` },
        body: JSON.stringify({ query: 'mutation($id: ID!) { createSetupLink(userId: $id) { setupUrl } }', variables: { id: (await h.db.prisma.user.findFirstOrThrow({ where: { email: 'owner@relay.local' } })).id } }),
      });
      const body = (await response.json()) as { data: { createSetupLink: { setupUrl: string } } };
      expect(body.data.createSetupLink.setupUrl).toMatch(/^https:\/\/relay\.example\.com\/console\/setup#token=relay-setup-/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('users lists the organization’s people with their grants; a duplicate email is refused', async () => {
    const { users } = await h.ok<{ users: UserRow[] }>(`{ users { ${USER_FIELDS} } }`);
    expect(users.map((u) => u.email)).toEqual([...users.map((u) => u.email)].sort());
    expect(users.find((u) => u.email === 'owner@relay.local')).toMatchObject({ hasPassword: false, grants: [{ role: 'OWNER', team: null }] });
    expect(users.find((u) => u.email === 'fay@example.com')).toMatchObject({ hasPassword: true });
    const { body } = await h.gql('mutation { createUser(input: { email: "FAY@example.com", name: "Fay again", role: VIEWER }) { setupUrl } }');
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', param: 'email' } });
  });
});

describe('roles', () => {
  it('grants and revokes roles on the organization and on a team, and the grants take effect at once', async () => {
    const { user, session } = await userWithSession('hal@example.com', 'VIEWER', teamA);
    const createKey = (teamId: string) => sessionGql(h.url, session, 'mutation($t: ID!) { createKey(input: { name: "hal key", teamId: $t }) { key { id } } }', { t: teamId });
    expect((await createKey(teamA)).body.errors?.[0]?.extensions?.code).toBe('forbidden');

    const granted = await h.gql<{ grantRole: UserRow }>(
      `mutation($input: GrantRoleInput!) { grantRole(input: $input) { ${USER_FIELDS} } }`,
      { input: { userId: user.id, role: 'ADMIN', teamId: teamA } },
    );
    expect(granted.body.data?.grantRole.grants).toEqual([expect.objectContaining({ role: 'ADMIN', team: { id: teamA } })]);
    expect((await createKey(teamA)).body.errors).toBeUndefined();
    expect((await createKey(teamB)).body.errors?.[0]?.extensions?.code).toBe('forbidden');

    const withOrg = await h.ok<{ grantRole: UserRow }>(`mutation($input: GrantRoleInput!) { grantRole(input: $input) { ${USER_FIELDS} } }`, {
      input: { userId: user.id, role: 'VIEWER' },
    });
    expect(withOrg.grantRole.grants.map((g) => `${g.role}@${g.team?.id ?? 'org'}`).sort()).toEqual([`ADMIN@${teamA}`, 'VIEWER@org']);
    const teamGrant = withOrg.grantRole.grants.find((g) => g.team !== null)!;
    const revoked = await h.ok<{ revokeRole: UserRow }>(`mutation($id: ID!) { revokeRole(grantId: $id) { ${USER_FIELDS} } }`, { id: teamGrant.id });
    expect(revoked.revokeRole.grants.map((g) => g.role)).toEqual(['VIEWER']);
    expect((await createKey(teamA)).body.errors?.[0]?.extensions?.code).toBe('forbidden');
  });

  it('only members:manage (owners) may manage people; an admin user is refused and nothing changes', async () => {
    const { session } = await userWithSession('ida@example.com', 'ADMIN');
    const before = await h.db.prisma.user.count();
    for (const query of [`{ users { id } }`, 'mutation { createUser(input: { email: "x@example.com", name: "x", role: VIEWER }) { setupUrl } }']) {
      const { body } = await sessionGql(h.url, session, query);
      expect(body.errors?.[0]?.extensions?.code).toBe('forbidden');
    }
    expect(await h.db.prisma.user.count()).toBe(before);
  });

  it('the organization’s last owner can be neither revoked, demoted nor disabled', async () => {
    const owner = await h.db.prisma.user.findUniqueOrThrow({ where: { email: 'owner@relay.local' }, include: { roleGrants: true } });
    const ownerGrant = owner.roleGrants[0]!;
    const refusals = [
      await h.gql('mutation($id: ID!) { revokeRole(grantId: $id) { id } }', { id: ownerGrant.id }),
      await h.gql('mutation($input: GrantRoleInput!) { grantRole(input: $input) { id } }', { input: { userId: owner.id, role: 'ADMIN' } }),
      await h.gql('mutation($id: ID!) { disableUser(id: $id) { id } }', { id: owner.id }),
    ];
    for (const { body } of refusals) expect(body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/last owner/), extensions: { code: 'BAD_USER_INPUT' } });
    expect(await h.db.prisma.roleGrant.findUniqueOrThrow({ where: { id: ownerGrant.id } })).toMatchObject({ role: 'OWNER' });

    // With a second owner, the first may go.
    const second = await createUser('jo@example.com', 'OWNER');
    await h.ok('mutation($id: ID!) { revokeRole(grantId: $id) { id } }', { id: ownerGrant.id });
    const last = await h.gql('mutation($id: ID!) { revokeRole(grantId: $id) { id } }', { id: second.user.grants[0]!.id });
    expect(last.body.errors?.[0]?.message).toMatch(/last owner/);
  });

  it('every people mutation is audited with the request', async () => {
    const created = await createUser('kim@example.com', 'VIEWER');
    const call = async (requestId: string, query: string, variables: Record<string, unknown>) => {
      const response = await fetch(h.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.adminToken}`, 'x-request-id': requestId },
        body: JSON.stringify({ query, variables }),
      });
      expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
      return auditOf(requestId);
    };
    expect(await call('req-a1', 'mutation($id: ID!) { createSetupLink(userId: $id) { expiresAt } }', { id: created.user.id })).toEqual(['TOKEN:createSetupLink:SetupLink']);
    expect(await call('req-a2', 'mutation($u: ID!, $t: ID!) { grantRole(input: { userId: $u, role: ANALYST, teamId: $t }) { id } }', { u: created.user.id, t: teamB })).toEqual([
      'TOKEN:grantRole:RoleGrant',
    ]);
    const grant = await h.db.prisma.roleGrant.findFirstOrThrow({ where: { userId: created.user.id, teamId: teamB } });
    expect(await call('req-a3', 'mutation($id: ID!) { revokeRole(grantId: $id) { id } }', { id: grant.id })).toEqual(['TOKEN:revokeRole:RoleGrant']);
    expect(await call('req-a4', 'mutation($id: ID!) { disableUser(id: $id) { id } }', { id: created.user.id })).toEqual(['TOKEN:disableUser:User']);
    expect(await call('req-a5', 'mutation($id: ID!) { enableUser(id: $id) { id } }', { id: created.user.id })).toEqual(['TOKEN:enableUser:User']);
    expect(await call('req-a6', 'mutation($id: ID) { signOutEverywhere(userId: $id) }', { id: created.user.id })).toEqual(['TOKEN:signOutEverywhere:User']);
    const revokeEntry = await h.db.prisma.auditEntry.findFirstOrThrow({ where: { requestId: 'req-a3' } });
    expect(revokeEntry).toMatchObject({ objectId: grant.id, before: { role: 'ANALYST', teamId: teamB }, after: null });
  });
});

describe('API tokens', () => {
  const CREATE = 'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id role createdBy expiresAt team { id } } } }';

  it('a user creates tokens no stronger than their own role, only where they hold it; createdBy names them', async () => {
    const admin = await userWithSession('lee@example.com', 'ADMIN');
    const teamAdmin = await userWithSession('max@example.com', 'ADMIN', teamA);
    const code = (r: { body: { errors?: Array<{ extensions?: Record<string, unknown> }> } }) => r.body.errors?.[0]?.extensions?.code;

    expect(code(await sessionGql(h.url, admin.session, CREATE, { input: { name: 'too strong', role: 'OWNER' } }))).toBe('forbidden');
    const made = await sessionGql<{ createApiToken: { token: string; apiToken: { id: string; role: string; createdBy: string } } }>(h.url, admin.session, CREATE, {
      input: { name: 'ci', role: 'ADMIN' },
    });
    expect(made.body.data?.createApiToken.apiToken).toMatchObject({ role: 'ADMIN', createdBy: 'lee@example.com' });
    expect(made.body.data?.createApiToken.token).toMatch(/^relay-tok-[0-9A-Za-z]{43}$/);

    // A team-scoped creator: only tokens for their own team.
    expect(code(await sessionGql(h.url, teamAdmin.session, CREATE, { input: { name: 'org wide', role: 'VIEWER' } }))).toBe('forbidden');
    expect(code(await sessionGql(h.url, teamAdmin.session, CREATE, { input: { name: 'other team', role: 'VIEWER', teamId: teamB } }))).toBe('forbidden');
    const own = await sessionGql<{ createApiToken: { token: string } }>(h.url, teamAdmin.session, CREATE, { input: { name: 'own team', role: 'ADMIN', teamId: teamA } });
    expect(own.body.errors).toBeUndefined();
    const viewer = await h.gql<{ viewer: { grants: Array<{ role: string; teamId: string }> } }>('{ viewer { grants { role teamId } } }', {}, own.body.data!.createApiToken.token);
    expect(viewer.body.data?.viewer.grants).toEqual([{ role: 'ADMIN', teamId: teamA }]);
  });

  it('a token stops working when revoked or expired; each change is audited', async () => {
    const made = await h.ok<{ createApiToken: { token: string; apiToken: { id: string } } }>(CREATE, { input: { name: 'short lived', role: 'VIEWER', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } });
    const { token, apiToken } = made.createApiToken;
    expect((await h.gql('{ viewer { id } }', {}, token)).status).toBe(200);
    await h.db.prisma.apiToken.update({ where: { id: apiToken.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await h.gql('{ viewer { id } }', {}, token)).status).toBe(401);

    const other = (await h.ok<{ createApiToken: { token: string; apiToken: { id: string } } }>(CREATE, { input: { name: 'to revoke', role: 'VIEWER' } })).createApiToken;
    const response = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.adminToken}`, 'x-request-id': 'req-revoke-token' },
      body: JSON.stringify({ query: 'mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }', variables: { id: other.apiToken.id } }),
    });
    expect(response.status).toBe(200);
    expect((await h.gql('{ viewer { id } }', {}, other.token)).status).toBe(401);
    expect(await auditOf('req-revoke-token')).toEqual(['TOKEN:revokeApiToken:ApiToken']);
    expect(await h.db.prisma.auditEntry.count({ where: { action: 'createApiToken', objectId: other.apiToken.id } })).toBe(1);
  });

  it('the bootstrap admin token is an organization owner token until revoked with revokeApiToken', async () => {
    const viewer = await h.ok<{ viewer: { kind: string; role: string; grants: Array<{ teamId: string | null }> } }>('{ viewer { kind role grants { teamId } } }');
    expect(viewer.viewer).toEqual({ kind: 'token', role: 'OWNER', grants: [{ teamId: null }] });
    const { users } = await h.ok<{ users: Array<{ id: string }> }>('{ users { id } }');
    expect(users.length).toBeGreaterThan(1);
    const bootstrapToken = await h.db.prisma.apiToken.findUniqueOrThrow({ where: { hash: hashKey(h.adminToken, h.keySecret) } });
    // An owner user retires it.
    const owner = await userWithSession('nia@example.com', 'OWNER');
    const revoked = await sessionGql(h.url, owner.session, 'mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }', { id: bootstrapToken.id });
    expect(revoked.body.errors).toBeUndefined();
    expect((await h.gql('{ viewer { id } }')).status).toBe(401);
  });
});
