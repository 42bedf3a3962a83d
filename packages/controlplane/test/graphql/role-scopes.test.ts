import { afterAll, beforeAll, expect, it } from 'vitest';
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
