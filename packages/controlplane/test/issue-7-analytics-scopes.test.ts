import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { formatEventTime } from '@proxystacks/shared/events/request-events-ddl';
import { insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { generateKey } from '@proxystacks/shared/keys/key-format';
import type { Role } from '../src/generated/prisma/client.ts';
import { generateApiToken, insertApiToken } from '../src/domain/api-tokens.ts';
import { insertKey } from '../src/domain/keys.ts';
import { insertProject } from '../src/domain/projects.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';

/**
 * Issue 7: events carry team, project and environment; spend, requests and request filter and
 * group by them, and answer only the teams the caller may see. Two teams (alpha with project
 * "web" in production and staging, beta with project "api" in production), events written
 * straight into chDB, and tokens with roles on the organization or on one team.
 */

const T0 = Date.parse('2025-06-01T00:00:00.000Z');
const HOUR = 3_600_000;
const RANGE = { from: new Date(T0).toISOString(), to: new Date(T0 + HOUR).toISOString() };
const ROW = 'keyId keyName teamId teamName projectId projectName environmentId environment requests costMicros';
const SPEND = `query($from: DateTime!, $to: DateTime!, $groupBy: SpendGroupBy!, $teamId: ID, $projectId: ID, $environmentId: ID, $environment: String) {
  spend(from: $from, to: $to, groupBy: $groupBy, teamId: $teamId, projectId: $projectId, environmentId: $environmentId, environment: $environment) {
    totals { requests costMicros } rows { ${ROW} }
  }
}`;
const ENTRY = 'requestId keyId keyName keyPrefix keyHashId teamId teamName projectId projectName environmentId environment statusCode';
const REQUESTS = `query($from: DateTime!, $to: DateTime!, $teamId: ID, $projectId: ID, $environmentId: ID, $environment: String, $keyId: ID) {
  requests(from: $from, to: $to, teamId: $teamId, projectId: $projectId, environmentId: $environmentId, environment: $environment, keyId: $keyId) {
    entries { ${ENTRY} } nextCursor
  }
}`;
const REFUSED = `query($from: DateTime!, $to: DateTime!, $keyHashId: String) {
  refusedRequests(from: $from, to: $to, keyHashId: $keyHashId) { entries { ${ENTRY} } nextCursor }
}`;

interface Row {
  keyId: string | null;
  keyName: string | null;
  teamId: string | null;
  teamName: string | null;
  projectId: string | null;
  projectName: string | null;
  environmentId: string | null;
  environment: string | null;
  requests: number;
  costMicros: string;
}
interface Report {
  totals: { requests: number; costMicros: string };
  rows: Row[];
}
interface Entry {
  requestId: string;
  keyId: string | null;
  keyName: string | null;
  keyPrefix: string | null;
  keyHashId: string | null;
  teamId: string | null;
  teamName: string | null;
  projectId: string | null;
  projectName: string | null;
  environmentId: string | null;
  environment: string | null;
  statusCode: number;
}

interface Scope {
  teamId: string;
  projectId: string;
  prodId: string;
  stagingId: string;
}

let h: GraphQLHarness;
let alpha: Scope;
let beta: Scope;
let keys: { alphaProd: { id: string; prefix: string }; alphaStaging: { id: string; prefix: string }; betaProd: { id: string; prefix: string } };
let betaEvent: RequestEvent;
let refused: RequestEvent;
let secondRefused: RequestEvent;

async function makeTeam(name: string, project: string): Promise<Scope> {
  const team = await h.db.prisma.team.create({ data: { orgId: h.orgId, name } });
  const made = await insertProject(h.db.prisma, { orgId: h.orgId, teamId: team.id, name: project });
  const env = (n: string) => made.environments.find((e) => e.name === n)?.id ?? '';
  return { teamId: team.id, projectId: made.id, prodId: env('production'), stagingId: env('staging') };
}

async function makeKey(scope: Scope, environmentId: string, name: string) {
  const { key } = await insertKey(
    h.db.prisma,
    { orgId: h.orgId, teamId: scope.teamId, projectId: scope.projectId, environmentId, name, secret: generateKey() },
    h.keySecret,
  );
  return { id: key.id, prefix: key.prefix };
}

/** A token with `role` on the organization (teamId null) or on one team. */
async function token(role: Role, teamId: string | null): Promise<string> {
  const secret = generateApiToken();
  await insertApiToken(h.db.prisma, { orgId: h.orgId, name: `${role} ${teamId ?? 'org'}`, role, teamId, expiresAt: null, createdByUserId: null, token: secret }, h.keySecret);
  return secret;
}

/** An event of `key` in `scope`'s environment, `minute` minutes after T0. */
function keyed(key: { id: string; prefix: string }, scope: Scope, environmentId: string, minute: number, costMicros: number): RequestEvent {
  return testRequestEvent({
    ts: formatEventTime(T0 + minute * 60_000),
    org_id: h.orgId,
    team_id: scope.teamId,
    project_id: scope.projectId,
    environment_id: environmentId,
    environment: environmentId === scope.prodId ? 'production' : 'staging',
    key_id: key.id,
    key_prefix: key.prefix,
    key_hash_id: 'aaaaaaaaaaaaaaaa',
    cost_micros: costMicros,
  });
}

async function spend(groupBy: string, vars: Record<string, unknown> = {}, as: string | null = h.adminToken): Promise<Report> {
  const { body } = await h.gql<{ spend: Report }>(SPEND, { ...RANGE, groupBy, ...vars }, as);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!.spend;
}

async function requests(vars: Record<string, unknown> = {}, as: string | null = h.adminToken): Promise<Entry[]> {
  const { body } = await h.gql<{ requests: { entries: Entry[] } }>(REQUESTS, { ...RANGE, ...vars }, as);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!.requests.entries;
}

async function errorCode(query: string, vars: Record<string, unknown>, as: string): Promise<unknown> {
  const { body } = await h.gql(query, { ...RANGE, ...vars }, as);
  return body.errors?.[0]?.extensions?.code;
}

beforeAll(async () => {
  h = await startGraphQLHarness();
  alpha = await makeTeam('alpha', 'web');
  beta = await makeTeam('beta', 'api');
  keys = {
    alphaProd: await makeKey(alpha, alpha.prodId, 'web-prod'),
    alphaStaging: await makeKey(alpha, alpha.stagingId, 'web-staging'),
    betaProd: await makeKey(beta, beta.prodId, 'api-prod'),
  };
  betaEvent = keyed(keys.betaProd, beta, beta.prodId, 9, 7000);
  refused = testRequestEvent({
    ts: formatEventTime(T0 + 20 * 60_000),
    org_id: '',
    key_prefix: 'sk-relay-unknown',
    key_hash_id: '0123456789abcdef',
    status_code: 401,
    error_code: 'invalid_api_key',
    usage_source: 'none',
  });
  secondRefused = testRequestEvent({ ...refused, request_id: `req_${randomUUID().replaceAll('-', '')}`, key_hash_id: 'fedcba9876543210', ts: formatEventTime(T0 + 21 * 60_000) });
  await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, 'issue-7-scopes', [
    keyed(keys.alphaProd, alpha, alpha.prodId, 1, 1000),
    keyed(keys.alphaProd, alpha, alpha.prodId, 2, 2000),
    keyed(keys.alphaStaging, alpha, alpha.stagingId, 3, 500),
    betaEvent,
    // The org's own request refused before a key was recognised: in the admin's totals only.
    testRequestEvent({ ts: formatEventTime(T0 + 30 * 60_000), org_id: h.orgId, status_code: 401, error_code: 'invalid_api_key', usage_source: 'none' }),
    // No organization recognised the key: only refusedRequests shows it.
    refused,
    secondRefused,
    // Another organization's request under alpha's ids: never counted.
    { ...keyed(keys.alphaProd, alpha, alpha.prodId, 40, 99_000), org_id: randomUUID() },
  ]);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('spend by team, project and environment', () => {
  it('groups by team, with names from Postgres; totals include the unattributed request', async () => {
    const report = await spend('TEAM');
    expect(report.totals).toEqual({ requests: 5, costMicros: '10500' });
    expect(report.rows.map((r) => [r.teamId, r.teamName, r.requests, r.costMicros])).toEqual([
      [beta.teamId, 'beta', 1, '7000'],
      [alpha.teamId, 'alpha', 3, '3500'],
    ]);
    expect(report.rows.every((r) => r.projectId === null && r.environmentId === null && r.keyId === null)).toBe(true);
  });

  it('groups by project, each row with its team', async () => {
    const report = await spend('PROJECT');
    expect(report.rows.map((r) => [r.projectId, r.projectName, r.teamId, r.teamName, r.costMicros])).toEqual([
      [beta.projectId, 'api', beta.teamId, 'beta', '7000'],
      [alpha.projectId, 'web', alpha.teamId, 'alpha', '3500'],
    ]);
  });

  it('groups by project environment, each row with its name, project and team', async () => {
    const report = await spend('ENVIRONMENT');
    expect(report.rows.map((r) => [r.environmentId, r.environment, r.projectName, r.teamName, r.requests, r.costMicros])).toEqual([
      [beta.prodId, 'production', 'api', 'beta', 1, '7000'],
      [alpha.prodId, 'production', 'web', 'alpha', 2, '3000'],
      [alpha.stagingId, 'staging', 'web', 'alpha', 1, '500'],
    ]);
  });

  it('puts each key row under its team, project and environment', async () => {
    const report = await spend('KEY');
    expect(report.rows.find((r) => r.keyId === keys.alphaStaging.id)).toEqual({
      keyId: keys.alphaStaging.id,
      keyName: 'web-staging',
      teamId: alpha.teamId,
      teamName: 'alpha',
      projectId: alpha.projectId,
      projectName: 'web',
      environmentId: alpha.stagingId,
      environment: 'staging',
      requests: 1,
      costMicros: '500',
    });
  });

  it('filters by team, project, environment and environment name, and the filters combine', async () => {
    expect((await spend('KEY', { teamId: alpha.teamId })).totals).toEqual({ requests: 3, costMicros: '3500' });
    expect((await spend('ENVIRONMENT', { projectId: alpha.projectId })).rows.map((r) => r.environment)).toEqual(['production', 'staging']);
    expect((await spend('KEY', { environmentId: alpha.stagingId })).rows.map((r) => r.keyId)).toEqual([keys.alphaStaging.id]);
    const production = await spend('TEAM', { environment: 'production' });
    expect(production.totals).toEqual({ requests: 3, costMicros: '10000' });
    expect(production.rows.map((r) => [r.teamName, r.costMicros])).toEqual([['beta', '7000'], ['alpha', '3000']]);
    expect((await spend('TEAM', { teamId: alpha.teamId, environment: 'staging' })).totals).toEqual({ requests: 1, costMicros: '500' });
    // Contradicting filters (alpha's project, beta's team) match nothing for an org-wide caller.
    expect((await spend('TEAM', { teamId: beta.teamId, projectId: alpha.projectId })).totals).toEqual({ requests: 0, costMicros: '0' });
  });

  it('filters by environment name while grouping by key or by environment, whose rows also carry that name', async () => {
    const byEnvironment = await spend('ENVIRONMENT', { environment: 'production' });
    expect(byEnvironment.rows.map((r) => [r.environmentId, r.environment, r.requests])).toEqual([
      [beta.prodId, 'production', 1],
      [alpha.prodId, 'production', 2],
    ]);
    const byKey = await spend('KEY', { environment: 'staging' });
    expect(byKey.rows.map((r) => [r.keyId, r.environment])).toEqual([[keys.alphaStaging.id, 'staging']]);
    expect(byKey.totals).toEqual({ requests: 1, costMicros: '500' });
  });

  it('binds filter values as parameters: a quote in a name matches nothing and breaks nothing', async () => {
    expect((await spend('TEAM', { environment: "production' OR 1=1 --" })).totals).toEqual({ requests: 0, costMicros: '0' });
  });
});

describe('the request log by team, project and environment', () => {
  it('shows every scope id and name of an entry, and the key prefix and hash id', async () => {
    const [entry] = await requests({ keyId: keys.betaProd.id });
    expect(entry).toEqual({
      requestId: betaEvent.request_id,
      keyId: keys.betaProd.id,
      keyName: 'api-prod',
      keyPrefix: keys.betaProd.prefix,
      keyHashId: 'aaaaaaaaaaaaaaaa',
      teamId: beta.teamId,
      teamName: 'beta',
      projectId: beta.projectId,
      projectName: 'api',
      environmentId: beta.prodId,
      environment: 'production',
      statusCode: 200,
    });
  });

  it('filters by team, project, environment and environment name', async () => {
    expect((await requests()).length).toBe(5);
    expect((await requests({ teamId: alpha.teamId })).map((e) => e.keyId)).toEqual([keys.alphaStaging.id, keys.alphaProd.id, keys.alphaProd.id]);
    expect((await requests({ projectId: beta.projectId })).map((e) => e.requestId)).toEqual([betaEvent.request_id]);
    expect((await requests({ environmentId: alpha.stagingId })).map((e) => e.keyId)).toEqual([keys.alphaStaging.id]);
    expect((await requests({ environment: 'production' })).length).toBe(3);
    expect(await requests({ teamId: alpha.teamId, environment: 'staging' })).toHaveLength(1);
  });
});

describe('visibility: a team-scoped caller sees only its teams', () => {
  it('gives a team analyst its own team only, unfiltered', async () => {
    const analyst = await token('ANALYST', alpha.teamId);
    const report = await spend('TEAM', {}, analyst);
    expect(report.totals).toEqual({ requests: 3, costMicros: '3500' });
    expect(report.rows.map((r) => r.teamName)).toEqual(['alpha']);
    const entries = await requests({}, analyst);
    expect(new Set(entries.map((e) => e.teamId))).toEqual(new Set([alpha.teamId]));
    expect(entries).toHaveLength(3);
  });

  it('answers another team\'s request by id as absent', async () => {
    const analyst = await token('ANALYST', alpha.teamId);
    const { body } = await h.gql<{ request: { requestId: string } | null }>('query($id: ID!) { request(id: $id) { requestId } }', { id: betaEvent.request_id }, analyst);
    expect(body.errors).toBeUndefined();
    expect(body.data?.request).toBeNull();
    expect((await h.ok<{ request: { teamName: string } }>('query($id: ID!) { request(id: $id) { teamName } }', { id: betaEvent.request_id })).request.teamName).toBe('beta');
  });

  it('refuses naming another team, its project, environment or key with `forbidden`', async () => {
    const analyst = await token('ANALYST', alpha.teamId);
    expect(await errorCode(SPEND, { groupBy: 'TEAM', teamId: beta.teamId }, analyst)).toBe('forbidden');
    expect(await errorCode(SPEND, { groupBy: 'KEY', projectId: beta.projectId }, analyst)).toBe('forbidden');
    expect(await errorCode(SPEND, { groupBy: 'KEY', environmentId: beta.prodId }, analyst)).toBe('forbidden');
    expect(await errorCode(REQUESTS, { teamId: beta.teamId }, analyst)).toBe('forbidden');
    expect(await errorCode(REQUESTS, { keyId: keys.betaProd.id }, analyst)).toBe('forbidden');
    // Mixing an own and a foreign object, or naming one that does not exist, is refused too.
    expect(await errorCode(SPEND, { groupBy: 'KEY', teamId: alpha.teamId, projectId: beta.projectId }, analyst)).toBe('forbidden');
    expect(await errorCode(SPEND, { groupBy: 'KEY', teamId: randomUUID() }, analyst)).toBe('forbidden');
    // Its own team by name works.
    expect((await spend('PROJECT', { teamId: alpha.teamId, environmentId: alpha.prodId }, analyst)).totals).toEqual({ requests: 2, costMicros: '3000' });
  });

  it('lets a team viewer read spend but not the request log', async () => {
    const viewer = await token('VIEWER', beta.teamId);
    expect((await spend('TEAM', {}, viewer)).rows.map((r) => r.teamName)).toEqual(['beta']);
    expect(await errorCode(REQUESTS, {}, viewer)).toBe('forbidden');
  });

  it('gives an organization analyst every team', async () => {
    const analyst = await token('ANALYST', null);
    expect((await spend('TEAM', {}, analyst)).totals).toEqual({ requests: 5, costMicros: '10500' });
  });
});

describe('requests no organization owns (unknown keys)', () => {
  it('shows them to the installation organization by key prefix and hash id, never in the request log', async () => {
    const { refusedRequests } = await h.ok<{ refusedRequests: { entries: Entry[]; nextCursor: string | null } }>(REFUSED, RANGE);
    expect(refusedRequests.nextCursor).toBeNull();
    expect(refusedRequests.entries.map((e) => e.requestId)).toEqual([secondRefused.request_id, refused.request_id]);
    expect(refusedRequests.entries[1]).toMatchObject({ keyId: null, keyPrefix: 'sk-relay-unknown', keyHashId: '0123456789abcdef', teamId: null, statusCode: 401 });
    const one = await h.ok<{ refusedRequests: { entries: Entry[] } }>(REFUSED, { ...RANGE, keyHashId: '0123456789abcdef' });
    expect(one.refusedRequests.entries.map((e) => e.requestId)).toEqual([refused.request_id]);
    expect((await requests()).some((e) => e.requestId === refused.request_id)).toBe(false);
  });

  it('needs the audit permission on the organization', async () => {
    expect(await errorCode(REFUSED, {}, await token('ANALYST', alpha.teamId))).toBe('forbidden');
    expect(await errorCode(REFUSED, {}, await token('VIEWER', null))).toBe('forbidden');
  });

  it('answers another organization of the installation with an empty page', async () => {
    const org = await h.db.prisma.organization.create({ data: { name: 'Second organization' } });
    const secret = generateApiToken();
    await insertApiToken(h.db.prisma, { orgId: org.id, name: 'owner', role: 'OWNER', teamId: null, expiresAt: null, createdByUserId: null, token: secret }, h.keySecret);
    const { body } = await h.gql<{ refusedRequests: { entries: Entry[]; nextCursor: string | null } }>(REFUSED, RANGE, secret);
    expect(body.data?.refusedRequests).toEqual({ entries: [], nextCursor: null });
  });
});
