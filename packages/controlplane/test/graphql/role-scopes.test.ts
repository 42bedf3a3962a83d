import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken, insertApiToken } from '../../src/domain/api-tokens.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql-harness.ts';

let h: GraphQLHarness;
beforeAll(async () => {
  h = await startGraphQLHarness();
}, 120_000);
afterAll(() => h?.close());

/** A token with `role` on the organization, made directly in the database. */
async function tokenWithRole(role: 'OWNER' | 'ADMIN' | 'ANALYST' | 'VIEWER'): Promise<string> {
  const token = generateApiToken();
  await insertApiToken(h.db.prisma, { orgId: h.orgId, name: `${role} token`, role, teamId: null, expiresAt: null, createdByUserId: null, token }, h.keySecret);
  return token;
}

it('refuses a mutation the role does not carry with `forbidden`, before the resolver runs', async () => {
  const viewer = await tokenWithRole('VIEWER');
  const before = await h.db.prisma.team.count();
  const { status, body } = await h.gql('mutation { createTeam(input: { name: "Nope" }) { id } }', {}, viewer);
  expect(status).toBe(200);
  expect(body.data).toBeNull();
  expect(body.errors?.[0]?.extensions?.code).toBe('forbidden');
  expect(await h.db.prisma.team.count()).toBe(before);
});

it('lets the same role read, and an admin write', async () => {
  const viewer = await tokenWithRole('VIEWER');
  const read = await h.gql<{ viewer: { role: string; kind: string } }>('{ viewer { role kind } }', {}, viewer);
  expect(read.body.data?.viewer).toEqual({ role: 'VIEWER', kind: 'token' });
  const admin = await tokenWithRole('ADMIN');
  const { body } = await h.gql<{ createTeam: { name: string } }>('mutation { createTeam(input: { name: "Yes" }) { name } }', {}, admin);
  expect(body.data?.createTeam).toEqual({ name: 'Yes' });
});

it('refuses an expired or revoked token as unauthenticated', async () => {
  const token = generateApiToken();
  await insertApiToken(h.db.prisma, { orgId: h.orgId, name: 'old', role: 'OWNER', teamId: null, expiresAt: new Date(Date.now() - 1000), createdByUserId: null, token }, h.keySecret);
  expect((await h.gql('{ viewer { id } }', {}, token)).status).toBe(401);
});

describe('API tokens', () => {
  const create = (token: string, role: string, teamId: string | null) =>
    h.gql<{ createApiToken: { token: string; apiToken: { role: string } } }>(
      'mutation($role: Role!, $teamId: ID) { createApiToken(input: { name: "automation", role: $role, teamId: $teamId }) { token apiToken { role prefix } } }',
      { role, teamId },
      token,
    );

  it('mints a token that works with its role, shown once, and revocation ends it', async () => {
    const owner = await tokenWithRole('OWNER');
    const { body } = await create(owner, 'ANALYST', null);
    const minted = body.data!.createApiToken.token;
    expect(minted).toMatch(/^relay-tok-[0-9A-Za-z]{43}$/);
    expect((await h.gql<{ viewer: { role: string } }>('{ viewer { role } }', {}, minted)).body.data?.viewer.role).toBe('ANALYST');
    const listed = await h.gql<{ apiTokens: Array<{ id: string; prefix: string }> }>('{ apiTokens { id prefix } }', {}, owner);
    expect(JSON.stringify(listed.body)).not.toContain(minted);
    const row = listed.body.data!.apiTokens.find((t) => minted.startsWith(t.prefix))!;
    await h.gql('mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }', { id: row.id }, owner);
    expect((await h.gql('{ viewer { id } }', {}, minted)).status).toBe(401);
  });

  it('never mints a token above the creator: an admin cannot make an owner token, a team admin no organization token', async () => {
    const admin = await tokenWithRole('ADMIN');
    expect((await create(admin, 'OWNER', null)).body.errors?.[0]?.extensions?.code).toBe('forbidden');
    expect((await create(admin, 'ADMIN', null)).body.data?.createApiToken.apiToken.role).toBe('ADMIN');
    const team = await h.db.prisma.team.create({ data: { orgId: h.orgId, name: 'Tokens team' } });
    const teamAdmin = generateApiToken();
    await insertApiToken(h.db.prisma, { orgId: h.orgId, name: 'team admin', role: 'ADMIN', teamId: team.id, expiresAt: null, createdByUserId: null, token: teamAdmin }, h.keySecret);
    expect((await create(teamAdmin, 'VIEWER', null)).body.errors?.[0]?.extensions?.code).toBe('forbidden');
    expect((await create(teamAdmin, 'OWNER', team.id)).body.errors?.[0]?.extensions?.code).toBe('forbidden');
    expect((await create(teamAdmin, 'ADMIN', team.id)).body.data?.createApiToken.apiToken.role).toBe('ADMIN');
  });
});
