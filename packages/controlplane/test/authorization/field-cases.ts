import { randomUUID } from 'node:crypto';
import { generateKey, hashKey } from '@proxystacks/shared/keys/key-format';
import type { Permission } from '../../src/auth/roles.ts';
import { generateApiToken, insertApiToken } from '../../src/domain/api-tokens.ts';
import { insertKey } from '../../src/domain/keys.ts';
import { insertProject } from '../../src/domain/projects.ts';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';

/** The two teams every case can aim at: the caller's own (A) and another (B). */
export type TeamSlot = 'A' | 'B';

/** Objects the matrix starts from: one organisation, two teams each with a project and a key, one provider and alias. */
export interface Fixture {
  prisma: PrismaClient;
  orgId: string;
  keySecret: string;
  teams: Record<TeamSlot, { id: string; projectId: string; environmentId: string; keyId: string }>;
  providerId: string;
  aliasId: string;
}

/** A GraphQL call. */
export interface Call {
  query: string;
  variables?: Record<string, unknown>;
}

/**
 * What one Query, Mutation or Subscription field requires, as this test (not the implementation) states it:
 * - `org`: the permission granted on the organization;
 * - `team`: the permission on the team owning the target (an organization grant counts too);
 * - `any`: the permission anywhere (lists, which then filter by team).
 * `call` builds a valid call aimed at `team`'s objects, creating fresh ones when the call
 * consumes them, so that an allowed call succeeds and a refused one has something to change.
 */
export interface FieldCase {
  scope: 'org' | 'team' | 'any';
  permission: Permission;
  call(fx: Fixture, team: TeamSlot): Promise<Call>;
}

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

/** A fresh active key in `team`'s default environment. */
export async function freshKey(fx: Fixture, team: TeamSlot): Promise<string> {
  const t = fx.teams[team];
  const { key } = await insertKey(fx.prisma, { orgId: fx.orgId, teamId: t.id, projectId: t.projectId, environmentId: t.environmentId, name: unique('key'), secret: generateKey() }, fx.keySecret);
  return key.id;
}

/** A fresh project (with its standard environments) in `team`. */
export async function freshProject(fx: Fixture, team: TeamSlot) {
  return insertProject(fx.prisma, { orgId: fx.orgId, teamId: fx.teams[team].id, name: unique('project') });
}

/** A second route on the fixture alias, so removing one leaves the alias valid. */
async function freshRoute(fx: Fixture): Promise<string> {
  const route = await fx.prisma.modelRoute.create({ data: { aliasId: fx.aliasId, providerId: fx.providerId, upstreamModel: unique('model') } });
  return route.id;
}

/** A fresh user holding VIEWER on the organization, with one console session. */
export async function freshUser(fx: Fixture): Promise<{ userId: string; grantId: string }> {
  const user = await fx.prisma.user.create({ data: { orgId: fx.orgId, email: `${unique('user')}@example.com`, name: unique('user') } });
  const grant = await fx.prisma.roleGrant.create({ data: { orgId: fx.orgId, userId: user.id, role: 'VIEWER', teamId: null } });
  await fx.prisma.userSession.create({ data: { userId: user.id, tokenHash: unique('session-hash'), csrfHash: 'x', expiresAt: new Date(Date.now() + 3_600_000) } });
  return { userId: user.id, grantId: grant.id };
}

/** A fresh DAY budget of 1.00 on a fresh project of `team`. */
async function freshBudget(fx: Fixture, team: TeamSlot): Promise<string> {
  const project = await freshProject(fx, team);
  const budget = await fx.prisma.budget.create({ data: { orgId: fx.orgId, scope: 'PROJECT', scopeId: project.id, period: 'DAY', amountMicros: 1_000_000n } });
  return budget.id;
}

/** Time zones the matrix alternates between, so every setOrganizationTimeZone call changes something. */
const MATRIX_ZONES = ['Europe/Berlin', 'America/New_York'];

const SPAN = { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' };

/**
 * Every Query, Mutation and Subscription field of the schema, with what it requires. The matrix test fails
 * when the printed schema has a field this table does not list (or the reverse), so a new
 * field cannot ship without its authorization being stated and checked.
 */
export const FIELD_CASES: Record<'Query' | 'Mutation' | 'Subscription', Record<string, FieldCase>> = {
  Query: {
    viewer: { scope: 'any', permission: 'config:read', call: async () => ({ query: '{ viewer { id role } }' }) },
    configSnapshot: { scope: 'any', permission: 'config:read', call: async () => ({ query: '{ configSnapshot { version } }' }) },
    keys: { scope: 'any', permission: 'config:read', call: async () => ({ query: '{ keys { id } }' }) },
    projects: { scope: 'any', permission: 'config:read', call: async () => ({ query: '{ projects { id environments { name } } }' }) },
    teams: { scope: 'any', permission: 'config:read', call: async () => ({ query: '{ teams { id } }' }) },
    providers: { scope: 'any', permission: 'config:read', call: async () => ({ query: '{ providers { id } }' }) },
    providerPresets: { scope: 'any', permission: 'config:read', call: async () => ({ query: '{ providerPresets { id type baseUrl extraHeaders { name value } } }' }) },
    modelAliases: { scope: 'any', permission: 'config:read', call: async () => ({ query: '{ modelAliases { id } }' }) },
    deploymentHealth: { scope: 'any', permission: 'config:read', call: async (fx) => ({ query: 'query($aliasId: ID) { deploymentHealth(aliasId: $aliasId) { deploymentId state } }', variables: { aliasId: fx.aliasId } }) },
    pricingRules: { scope: 'any', permission: 'config:read', call: async () => ({ query: '{ pricingRules { id } }' }) },
    spend: { scope: 'any', permission: 'spend:read', call: async () => ({ query: 'query($from: DateTime!, $to: DateTime!) { spend(from: $from, to: $to, groupBy: MODEL) { totals { requests } } }', variables: SPAN }) },
    requests: { scope: 'any', permission: 'requests:read', call: async () => ({ query: 'query($from: DateTime!, $to: DateTime!) { requests(from: $from, to: $to) { entries { requestId } } }', variables: SPAN }) },
    apiTokens: { scope: 'any', permission: 'tokens:manage', call: async () => ({ query: '{ apiTokens { id role team { id } } }' }) },
    auditEntries: { scope: 'org', permission: 'audit:read', call: async () => ({ query: '{ auditEntries { entries { id } nextCursor } }' }) },
    refusedRequests: { scope: 'org', permission: 'audit:read', call: async () => ({ query: 'query($from: DateTime!, $to: DateTime!) { refusedRequests(from: $from, to: $to) { entries { requestId } } }', variables: SPAN }) },
    users: { scope: 'org', permission: 'members:manage', call: async () => ({ query: '{ users { id email hasPassword grants { id role team { id } } } }' }) },
    rateLimits: { scope: 'any', permission: 'config:read', call: async () => ({ query: '{ rateLimits { id scope scopeName requestsPerMinute } }' }) },
    budgets: { scope: 'any', permission: 'spend:read', call: async () => ({ query: '{ budgets { id scopeName currentWindow { start end } spentMicros remainingMicros percentUsed resetsAt } }' }) },
    budgetAlerts: { scope: 'any', permission: 'spend:read', call: async () => ({ query: '{ budgetAlerts { alerts { id webhookStatus } nextCursor } }' }) },
    organization: { scope: 'any', permission: 'config:read', call: async () => ({ query: '{ organization { id name timeZone } }' }) },
    timeSeries: { scope: 'any', permission: 'spend:read', call: async () => ({ query: 'query($from: DateTime!, $to: DateTime!) { timeSeries(from: $from, to: $to, bucket: DAY, groupBy: MODEL) { groups { key points { bucketStart requests } } } }', variables: SPAN }) },
    topN: { scope: 'any', permission: 'spend:read', call: async () => ({ query: 'query($from: DateTime!, $to: DateTime!) { topN(from: $from, to: $to, by: KEY) { rows { key requests } totals { requests } } }', variables: SPAN }) },
    request: { scope: 'any', permission: 'requests:read', call: async () => ({ query: '{ request(id: "req_00000000000000000000000000000000") { requestId } }' }) },
    ledgerAccounts: { scope: 'any', permission: 'spend:read', call: async () => ({ query: '{ ledgerAccounts { id kind balanceMicros } }' }) },
    ledgerReconciliation: {
      scope: 'org',
      permission: 'spend:read',
      call: async () => ({ query: 'query($from: DateTime!, $to: DateTime!) { ledgerReconciliation(from: $from, to: $to, period: DAY, scope: TEAM) { cellsCompared differences { scopeId } } }', variables: SPAN }),
    },
    ledgerTransactions: { scope: 'any', permission: 'spend:read', call: async () => ({ query: '{ ledgerTransactions { transactions { id entries { amountMicros } } nextCursor } }' }) },
  },
  Mutation: {
    createTeam: { scope: 'org', permission: 'config:write', call: async () => ({ query: 'mutation($name: String!) { createTeam(input: { name: $name }) { id } }', variables: { name: unique('team') } }) },
    createKey: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({ query: 'mutation($teamId: ID!, $name: String!) { createKey(input: { name: $name, teamId: $teamId }) { secret } }', variables: { teamId: fx.teams[team].id, name: unique('key') } }),
    },
    updateKey: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({ query: 'mutation($id: ID!) { updateKey(id: $id, input: { labels: [{ key: "cost-centre", value: "42" }] }) { id } }', variables: { id: await freshKey(fx, team) } }),
    },
    setKeyResponseCache: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({ query: 'mutation($id: ID!) { setKeyResponseCache(id: $id, ttlSeconds: 60) { id responseCacheTtlSeconds } }', variables: { id: await freshKey(fx, team) } }),
    },
    disableKey: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({ query: 'mutation($id: ID!) { disableKey(id: $id) { id } }', variables: { id: await freshKey(fx, team) } }),
    },
    enableKey: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => {
        const id = await freshKey(fx, team);
        await fx.prisma.apiKey.update({ where: { id }, data: { status: 'DISABLED', disabledAt: new Date() } });
        return { query: 'mutation($id: ID!) { enableKey(id: $id) { id } }', variables: { id } };
      },
    },
    rotateKey: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({ query: 'mutation($id: ID!) { rotateKey(id: $id, gracePeriodSeconds: 3600) { secret } }', variables: { id: await freshKey(fx, team) } }),
    },
    createProject: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({ query: 'mutation($teamId: ID!, $name: String!) { createProject(input: { teamId: $teamId, name: $name }) { id } }', variables: { teamId: fx.teams[team].id, name: unique('project') } }),
    },
    createEnvironment: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({ query: 'mutation($projectId: ID!, $name: String!) { createEnvironment(input: { projectId: $projectId, name: $name }) { id } }', variables: { projectId: fx.teams[team].projectId, name: unique('eu') } }),
    },
    updateTeam: {
      scope: 'org',
      permission: 'config:write',
      call: async (fx) => {
        const team = await fx.prisma.team.create({ data: { orgId: fx.orgId, name: unique('team') } });
        return { query: 'mutation($id: ID!, $name: String!) { updateTeam(id: $id, input: { name: $name }) { id } }', variables: { id: team.id, name: unique('renamed') } };
      },
    },
    createApiToken: {
      scope: 'team',
      permission: 'tokens:manage',
      call: async (fx, team) => ({
        query: 'mutation($teamId: ID!, $name: String!) { createApiToken(input: { name: $name, role: VIEWER, teamId: $teamId }) { token apiToken { id } } }',
        variables: { teamId: fx.teams[team].id, name: unique('token') },
      }),
    },
    revokeApiToken: {
      scope: 'team',
      permission: 'tokens:manage',
      call: async (fx, team) => {
        const row = await insertApiToken(fx.prisma, { orgId: fx.orgId, name: unique('token'), role: 'VIEWER', teamId: fx.teams[team].id, expiresAt: null, createdByUserId: null, token: generateApiToken() }, fx.keySecret);
        return { query: 'mutation($id: ID!) { revokeApiToken(id: $id) { id } }', variables: { id: row.id } };
      },
    },
    createUser: {
      scope: 'org',
      permission: 'members:manage',
      call: async (fx, team) => ({
        query: 'mutation($email: String!, $teamId: ID!) { createUser(input: { email: $email, name: "New", role: ANALYST, teamId: $teamId }) { setupUrl setupExpiresAt user { id } } }',
        variables: { email: `${unique('new')}@example.com`, teamId: fx.teams[team].id },
      }),
    },
    createSetupLink: {
      scope: 'org',
      permission: 'members:manage',
      call: async (fx) => ({ query: 'mutation($id: ID!) { createSetupLink(userId: $id) { setupUrl expiresAt } }', variables: { id: (await freshUser(fx)).userId } }),
    },
    grantRole: {
      scope: 'org',
      permission: 'members:manage',
      call: async (fx, team) => ({
        query: 'mutation($userId: ID!, $teamId: ID!) { grantRole(input: { userId: $userId, role: ADMIN, teamId: $teamId }) { id grants { role } } }',
        variables: { userId: (await freshUser(fx)).userId, teamId: fx.teams[team].id },
      }),
    },
    revokeRole: {
      scope: 'org',
      permission: 'members:manage',
      call: async (fx) => ({ query: 'mutation($id: ID!) { revokeRole(grantId: $id) { id } }', variables: { id: (await freshUser(fx)).grantId } }),
    },
    disableUser: {
      scope: 'org',
      permission: 'members:manage',
      call: async (fx) => ({ query: 'mutation($id: ID!) { disableUser(id: $id) { id disabledAt } }', variables: { id: (await freshUser(fx)).userId } }),
    },
    enableUser: {
      scope: 'org',
      permission: 'members:manage',
      call: async (fx) => {
        const { userId } = await freshUser(fx);
        await fx.prisma.user.update({ where: { id: userId }, data: { disabledAt: new Date() } });
        return { query: 'mutation($id: ID!) { enableUser(id: $id) { id } }', variables: { id: userId } };
      },
    },
    signOutEverywhere: {
      scope: 'org',
      permission: 'members:manage',
      // Someone else's sessions (your own need no permission: tested in issue-7-people-sessions).
      call: async (fx) => ({ query: 'mutation($id: ID) { signOutEverywhere(userId: $id) }', variables: { id: (await freshUser(fx)).userId } }),
    },
    revokeKey: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({ query: 'mutation($id: ID!) { revokeKey(id: $id) { id } }', variables: { id: await freshKey(fx, team) } }),
    },
    createProvider: {
      scope: 'org',
      permission: 'config:write',
      call: async () => ({ query: 'mutation($name: String!) { createProvider(input: { name: $name, type: MOCK }) { id } }', variables: { name: unique('provider') } }),
    },
    updateProvider: {
      scope: 'org',
      permission: 'config:write',
      call: async (fx) => ({ query: 'mutation($id: ID!, $name: String!) { updateProvider(id: $id, input: { name: $name }) { id } }', variables: { id: fx.providerId, name: unique('provider') } }),
    },
    createModelAlias: {
      scope: 'org',
      permission: 'config:write',
      call: async (fx) => ({
        query: 'mutation($alias: String!, $providerId: ID!) { createModelAlias(input: { alias: $alias, routes: [{ providerId: $providerId, upstreamModel: "mock-1" }] }) { id } }',
        variables: { alias: unique('alias'), providerId: fx.providerId },
      }),
    },
    addModelRoute: {
      scope: 'org',
      permission: 'config:write',
      call: async (fx) => ({
        query: 'mutation($aliasId: ID!, $providerId: ID!, $model: String!) { addModelRoute(aliasId: $aliasId, input: { providerId: $providerId, upstreamModel: $model }) { id } }',
        variables: { aliasId: fx.aliasId, providerId: fx.providerId, model: unique('model') },
      }),
    },
    removeModelRoute: { scope: 'org', permission: 'config:write', call: async (fx) => ({ query: 'mutation($id: ID!) { removeModelRoute(id: $id) { id } }', variables: { id: await freshRoute(fx) } }) },
    topUp: {
      scope: 'team',
      permission: 'billing:manage',
      call: async (fx, team) => ({
        query: 'mutation($scopeId: ID!, $key: String!) { topUp(input: { scope: TEAM, scopeId: $scopeId, amountMicros: "1000000", idempotencyKey: $key }) { id } }',
        variables: { scopeId: fx.teams[team].id, key: unique('top-up') },
      }),
    },
    adjustBalance: {
      scope: 'team',
      permission: 'billing:manage',
      call: async (fx, team) => ({
        query: 'mutation($scopeId: ID!, $key: String!) { adjustBalance(input: { scope: PROJECT, scopeId: $scopeId, amountMicros: "-5", memo: "correction", idempotencyKey: $key }) { id } }',
        variables: { scopeId: fx.teams[team].projectId, key: unique('adjustment') },
      }),
    },
    createCreditCode: { scope: 'org', permission: 'billing:manage', call: async () => ({ query: 'mutation { createCreditCode(input: { amountMicros: "2500000" }) { code creditCode { id } } }' }) },
    redeemCreditCode: {
      scope: 'team',
      permission: 'billing:manage',
      call: async (fx, team) => {
        const code = `relay-credit-${randomUUID()}`;
        await fx.prisma.creditCode.create({ data: { orgId: fx.orgId, codeHash: hashKey(code, fx.keySecret), prefix: code.slice(0, 19), amountMicros: 1000n } });
        return { query: 'mutation($code: String!, $scopeId: ID!) { redeemCreditCode(input: { code: $code, scope: TEAM, scopeId: $scopeId }) { id } }', variables: { code, scopeId: fx.teams[team].id } };
      },
    },
    setBillingMode: { scope: 'org', permission: 'billing:manage', call: async () => ({ query: 'mutation { setBillingMode(mode: POSTPAID) }' }) },
    createPricingRule: {
      scope: 'org',
      permission: 'config:write',
      call: async (fx) => ({
        query: 'mutation($providerId: ID!, $model: String!) { createPricingRule(input: { providerId: $providerId, model: $model, inputMicrosPerMTok: "1", outputMicrosPerMTok: "2" }) { id } }',
        variables: { providerId: fx.providerId, model: unique('model') },
      }),
    },
    setRateLimit: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({
        query: 'mutation($id: ID!) { setRateLimit(input: { scope: KEY, scopeId: $id, requestsPerMinute: 60, tokensPerMinute: null, concurrentRequests: 4 }) { id } }',
        variables: { id: await freshKey(fx, team) },
      }),
    },
    removeRateLimit: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => {
        const limit = await fx.prisma.rateLimit.create({ data: { orgId: fx.orgId, scope: 'KEY', scopeId: await freshKey(fx, team), requestsPerMinute: 10 } });
        return { query: 'mutation($id: ID!) { removeRateLimit(id: $id) { id } }', variables: { id: limit.id } };
      },
    },
    createBudget: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({
        query: 'mutation($id: ID!) { createBudget(input: { scope: PROJECT, scopeId: $id, period: MONTH, amountMicros: "5000000", alertThresholds: [80, 50, 80] }) { id alertThresholds } }',
        variables: { id: (await freshProject(fx, team)).id },
      }),
    },
    updateBudget: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({ query: 'mutation($id: ID!) { updateBudget(id: $id, input: { amountMicros: "2000000", mode: ALERT }) { id } }', variables: { id: await freshBudget(fx, team) } }),
    },
    deleteBudget: {
      scope: 'team',
      permission: 'config:write',
      call: async (fx, team) => ({ query: 'mutation($id: ID!) { deleteBudget(id: $id) }', variables: { id: await freshBudget(fx, team) } }),
    },
    setOrganizationTimeZone: {
      scope: 'org',
      permission: 'config:write',
      call: async (fx) => {
        const { timeZone } = await fx.prisma.organization.findUniqueOrThrow({ where: { id: fx.orgId } });
        return { query: 'mutation($zone: String!) { setOrganizationTimeZone(timeZone: $zone) { timeZone } }', variables: { zone: MATRIX_ZONES.find((z) => z !== timeZone)! } };
      },
    },
    setAliasReserveOutputTokens: {
      scope: 'org',
      permission: 'config:write',
      call: async (fx) => ({ query: 'mutation($id: ID!) { setAliasReserveOutputTokens(aliasId: $id, reserveOutputTokens: 512) { id reserveOutputTokens } }', variables: { id: fx.aliasId } }),
    },
    setAliasRoutingStrategy: {
      scope: 'org',
      permission: 'config:write',
      call: async (fx) => ({ query: 'mutation($id: ID!) { setAliasRoutingStrategy(aliasId: $id, routingStrategy: LOWEST_COST) { id routingStrategy } }', variables: { id: fx.aliasId } }),
    },
    setAliasResponseCache: {
      scope: 'org',
      permission: 'config:write',
      call: async (fx) => ({ query: 'mutation($id: ID!) { setAliasResponseCache(aliasId: $id, ttlSeconds: 60) { id responseCacheTtlSeconds } }', variables: { id: fx.aliasId } }),
    },
  },
  // Subscriptions run over SSE (the matrix reads the first event); same rules as the query they mirror.
  Subscription: {
    deploymentHealthChanged: { scope: 'any', permission: 'config:read', call: async (fx) => ({ query: 'subscription($aliasId: ID) { deploymentHealthChanged(aliasId: $aliasId) { deploymentId state } }', variables: { aliasId: fx.aliasId } }) },
    // Aimed at a team (like `requests` with teamId): a caller limited to team A is refused team B's tail.
    requestTail: {
      scope: 'team',
      permission: 'requests:read',
      call: async (fx, team) => ({ query: 'subscription($teamId: ID) { requestTail(teamId: $teamId) { requestId teamId } }', variables: { teamId: fx.teams[team].id } }),
    },
  },
};
