import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@proxystacks/shared/keys/key-format';
import type { HostResolver } from '@proxystacks/shared/net/host-resolver';
import type { Role } from '../src/generated/prisma/client.ts';
import { generateApiToken, insertApiToken } from '../src/domain/api-tokens.ts';
import { readConfigRevision } from '../src/domain/config-revision.ts';
import { insertKey } from '../src/domain/keys.ts';
import { insertProject } from '../src/domain/projects.ts';
import { createSnapshotPublisher, type SnapshotPublisher } from '../src/domain/snapshot-publisher.ts';
import { recordBudgetAlert } from '../src/money/budget-alerts.ts';
import { startGraphQLHarness, type GraphQLHarness, type GraphQLResponse } from './graphql/graphql-harness.ts';
import { testDatabaseKinds } from './support/test-database.ts';

// Issue 8, budgets and limits over GraphQL: rate limits on keys, teams and projects; budgets on
// the organization, teams, projects, environments and keys with their current window in the
// organization's time zone and the ledger's spend in it; the organization's time zone; an
// alias's output reserve; the alert history. Every change is authorized per team, audited in its
// transaction, and reaches the published snapshot through the config revision.

type Errors = NonNullable<GraphQLResponse<unknown>['body']['errors']>;

/** Resolves `hooks.example.test` to the metadata address; everything else is unknown. No network. */
const stubResolver: HostResolver = async (hostName) => {
  if (hostName === 'hooks.example.test') return [{ address: '169.254.169.254', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostName}`), { code: 'ENOTFOUND' });
};

describe.each(testDatabaseKinds())('budgets and limits over GraphQL on %s', (database) => {
  let h: GraphQLHarness;
  let publisher: SnapshotPublisher;
  /** The fake clock budget windows are read at. */
  let nowMs = Date.parse('2026-03-29T12:00:00Z');
  let requestCounter = 0;
  const teams: Record<'A' | 'B', { id: string; projectId: string; environmentId: string; keyId: string }> = {} as never;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    h = await startGraphQLHarness({ database, now: () => nowMs, resolveHost: stubResolver });
    const prisma = h.db.prisma;
    for (const slot of ['A', 'B'] as const) {
      const team = await prisma.team.create({ data: { orgId: h.orgId, name: `Team ${slot}` } });
      const project = await insertProject(prisma, { orgId: h.orgId, teamId: team.id, name: 'shop' });
      const environment = project.environments.find((e) => e.name === 'production')!;
      const { key } = await insertKey(prisma, { orgId: h.orgId, teamId: team.id, projectId: project.id, environmentId: environment.id, name: `key ${slot}`, secret: generateKey() }, h.keySecret);
      teams[slot] = { id: team.id, projectId: project.id, environmentId: environment.id, keyId: key.id };
    }
    for (const [label, role, teamId] of [
      ['adminA', 'ADMIN', teams.A.id],
      ['viewerA', 'VIEWER', teams.A.id],
      ['viewerOrg', 'VIEWER', null],
    ] as Array<[string, Role, string | null]>) {
      const token = generateApiToken();
      await insertApiToken(prisma, { orgId: h.orgId, name: label, role, teamId, expiresAt: null, createdByUserId: null, token }, h.keySecret);
      tokens[label] = token;
    }
    publisher = createSnapshotPublisher({ prisma, internalToken: randomBytes(32).toString('hex'), masterKey: h.masterKey, logger: pino({ level: 'silent' }), pollIntervalMs: 3_600_000 });
    await publisher.start();
  }, 180_000);

  afterAll(async () => {
    await publisher?.stop();
    await h?.close();
  });

  async function call<T>(query: string, variables: Record<string, unknown> = {}, token: string = h.adminToken) {
    const requestId = `issue8-req-${++requestCounter}`;
    const response = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as GraphQLResponse<T>['body'];
    return { data: body.data ?? null, errors: body.errors, requestId };
  }

  async function ok<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T & { requestId: string }> {
    const result = await call<T>(query, variables, token);
    if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
    return { ...(result.data as T), requestId: result.requestId };
  }

  const firstError = (errors: Errors | undefined) => ({ code: errors?.[0]?.extensions?.code, param: errors?.[0]?.extensions?.param });

  /** The published snapshot after this process's change, checked to be at the current revision. */
  async function publishedSnapshot() {
    await publisher.refresh();
    const snapshot = publisher.current();
    expect(snapshot.version).toBe(Number(await readConfigRevision(h.db.prisma)));
    return snapshot;
  }

  /** Posts a REQUEST transaction of `costMicros` for `team` at `at`, as the ledger does (funding −c, provider spend +c). */
  async function postRequest(team: 'A' | 'B', costMicros: bigint, at: string) {
    const prisma = h.db.prisma;
    const account = async (kind: 'ORGANIZATION' | 'PROVIDER_SPEND') =>
      prisma.ledgerAccount.upsert({ where: { orgId_kind_scopeId: { orgId: h.orgId, kind, scopeId: '' } }, create: { orgId: h.orgId, kind }, update: {} });
    const [funding, spend] = [await account('ORGANIZATION'), await account('PROVIDER_SPEND')];
    const t = teams[team];
    const occurredAt = new Date(at);
    await prisma.ledgerTransaction.create({
      data: {
        orgId: h.orgId,
        idempotencyKey: `request:req_${randomBytes(8).toString('hex')}`,
        kind: 'REQUEST',
        occurredAt,
        teamId: t.id,
        projectId: t.projectId,
        environmentId: t.environmentId,
        keyId: t.keyId,
        entries: { create: [{ accountId: funding.id, amountMicros: -costMicros, occurredAt }, { accountId: spend.id, amountMicros: costMicros, occurredAt }] },
      },
    });
  }

  const SET_LIMIT = 'mutation($input: SetRateLimitInput!) { setRateLimit(input: $input) { id scope scopeId scopeName requestsPerMinute tokensPerMinute concurrentRequests } }';
  const CREATE_BUDGET = `mutation($input: CreateBudgetInput!) { createBudget(input: $input) {
    id name scope scopeId scopeName period amountMicros mode alertThresholds webhookOrigin
    currentWindow { start end } spentMicros remainingMicros percentUsed resetsAt } }`;
  const BUDGETS = '{ budgets { id scope scopeId period spentMicros } }';

  describe('rate limits', () => {
    it('sets, replaces, lists and removes the limits of a key, a team and a project, audited, in the snapshot', async () => {
      const revisionBefore = await readConfigRevision(h.db.prisma);
      const key = await ok<{ setRateLimit: { id: string; scopeName: string } }>(SET_LIMIT, { input: { scope: 'KEY', scopeId: teams.A.keyId, requestsPerMinute: 60, tokensPerMinute: 10_000, concurrentRequests: 2 } });
      expect(key.setRateLimit).toMatchObject({ scopeName: 'key A' });
      await ok(SET_LIMIT, { input: { scope: 'TEAM', scopeId: teams.A.id, requestsPerMinute: 600 } });
      await ok(SET_LIMIT, { input: { scope: 'PROJECT', scopeId: teams.B.projectId, concurrentRequests: 8 } });
      expect(await readConfigRevision(h.db.prisma)).toBe(revisionBefore + 3n);

      // Set again: the row is replaced as a whole (tokensPerMinute omitted = no limit now).
      const replaced = await ok<{ setRateLimit: { id: string; tokensPerMinute: number | null; requestsPerMinute: number } }>(SET_LIMIT, { input: { scope: 'KEY', scopeId: teams.A.keyId, requestsPerMinute: 30 } });
      expect(replaced.setRateLimit).toMatchObject({ id: key.setRateLimit.id, requestsPerMinute: 30, tokensPerMinute: null });
      const audit = await h.db.prisma.auditEntry.findMany({ where: { requestId: replaced.requestId } });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: 'setRateLimit', objectType: 'RateLimit', objectId: key.setRateLimit.id });
      expect(audit[0]!.before).toMatchObject({ requestsPerMinute: 60, tokensPerMinute: 10_000 });

      const snapshot = await publishedSnapshot();
      expect(snapshot.rateLimits.find((l) => l.id === key.setRateLimit.id)).toMatchObject({ scope: 'key', scopeId: teams.A.keyId, requestsPerMinute: 30, tokensPerMinute: null, concurrentRequests: null });

      const { rateLimits } = await ok<{ rateLimits: Array<{ scope: string; scopeId: string }> }>('query($scope: RateLimitScope) { rateLimits(scope: $scope) { scope scopeId } }', { scope: 'KEY' });
      expect(rateLimits).toEqual([{ scope: 'KEY', scopeId: teams.A.keyId }]);
      // A team A viewer sees team A's limits, not team B's project.
      const seen = await ok<{ rateLimits: Array<{ scopeId: string }> }>('{ rateLimits { scopeId } }', {}, tokens.viewerA);
      expect(seen.rateLimits.map((l) => l.scopeId).sort()).toEqual([teams.A.id, teams.A.keyId].sort());

      const removed = await ok<{ removeRateLimit: { id: string } }>('mutation($id: ID!) { removeRateLimit(id: $id) { id } }', { id: key.setRateLimit.id });
      expect(removed.removeRateLimit.id).toBe(key.setRateLimit.id);
      expect((await publishedSnapshot()).rateLimits.some((l) => l.id === key.setRateLimit.id)).toBe(false);
    });

    it('refuses bad values naming the field, and unknown scopes', async () => {
      const input = { scope: 'KEY', scopeId: teams.A.keyId };
      expect(firstError((await call(SET_LIMIT, { input: { ...input, requestsPerMinute: 0 } })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'requestsPerMinute' });
      expect(firstError((await call(SET_LIMIT, { input: { ...input, tokensPerMinute: -5 } })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'tokensPerMinute' });
      expect(firstError((await call(SET_LIMIT, { input: { ...input, concurrentRequests: 0 } })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'concurrentRequests' });
      expect(firstError((await call(SET_LIMIT, { input })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'requestsPerMinute' });
      expect(firstError((await call(SET_LIMIT, { input: { scope: 'PROJECT', scopeId: teams.A.keyId, requestsPerMinute: 1 } })).errors)).toEqual({ code: 'NOT_FOUND', param: 'scopeId' });
    });

    it('lets a team admin set limits on its own team only', async () => {
      await ok(SET_LIMIT, { input: { scope: 'PROJECT', scopeId: teams.A.projectId, requestsPerMinute: 5 } }, tokens.adminA);
      const refused = await call(SET_LIMIT, { input: { scope: 'TEAM', scopeId: teams.B.id, requestsPerMinute: 5 } }, tokens.adminA);
      expect(firstError(refused.errors).code).toBe('forbidden');
      expect(firstError((await call(SET_LIMIT, { input: { scope: 'TEAM', scopeId: teams.A.id, requestsPerMinute: 5 } }, tokens.viewerA)).errors).code).toBe('forbidden');
    });
  });

  describe('budgets', () => {
    let teamBudgetId: string;

    it('creates budgets with deduplicated, sorted thresholds, audited, in the snapshot', async () => {
      const created = await ok<{ createBudget: Record<string, unknown> & { id: string } }>(CREATE_BUDGET, {
        input: { scope: 'TEAM', scopeId: teams.A.id, name: 'Team A daily', period: 'DAY', amountMicros: '1000', alertThresholds: [100, 50, 80, 50], webhookUrl: 'http://127.0.0.1:9/hook/secret-path' },
      });
      teamBudgetId = created.createBudget.id;
      expect(created.createBudget).toMatchObject({ scope: 'TEAM', scopeName: 'Team A', period: 'DAY', amountMicros: '1000', mode: 'HARD', alertThresholds: [50, 80, 100], webhookOrigin: 'http://127.0.0.1:9' });
      const [entry] = await h.db.prisma.auditEntry.findMany({ where: { requestId: created.requestId } });
      expect(entry).toMatchObject({ action: 'createBudget', objectType: 'Budget', objectId: teamBudgetId });
      // The webhook URL may carry the receiver's secret: never in the audit trail.
      expect(JSON.stringify(entry!.after)).not.toContain('secret-path');
      const org = await ok<{ createBudget: { scopeId: string; scopeName: string } }>(CREATE_BUDGET, { input: { scope: 'ORGANIZATION', period: 'MONTH', amountMicros: '50000000', mode: 'ALERT' } });
      expect(org.createBudget.scopeId).toBe(h.orgId);

      const snapshot = await publishedSnapshot();
      expect(snapshot.budgets.find((b) => b.id === teamBudgetId)).toMatchObject({ scope: 'team', scopeId: teams.A.id, period: 'day', amountMicros: 1000, mode: 'hard', alertThresholdsPercent: [50, 80, 100] });
      expect(snapshot.budgets.find((b) => b.scope === 'organization')).toMatchObject({ scopeId: h.orgId, mode: 'alert' });
    });

    it('refuses bad budgets naming the field', async () => {
      const base = { scope: 'PROJECT', scopeId: teams.A.projectId, period: 'WEEK', amountMicros: '100' };
      const refused = async (extra: Record<string, unknown>) => firstError((await call(CREATE_BUDGET, { input: { ...base, ...extra } })).errors);
      expect(await refused({ amountMicros: '0' })).toEqual({ code: 'BAD_USER_INPUT', param: 'amountMicros' });
      expect(await refused({ alertThresholds: [50, 0] })).toEqual({ code: 'BAD_USER_INPUT', param: 'alertThresholds.1' });
      expect(await refused({ alertThresholds: [1001] })).toEqual({ code: 'BAD_USER_INPUT', param: 'alertThresholds.0' });
      expect(await refused({ webhookUrl: 'ftp://example.com/hook' })).toEqual({ code: 'BAD_USER_INPUT', param: 'webhookUrl' });
      // The provider base-URL policy at write time: metadata by address, and by what the host resolves to now.
      const metadata = await call(CREATE_BUDGET, { input: { ...base, webhookUrl: 'http://169.254.169.254/latest/' } });
      expect(firstError(metadata.errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'webhookUrl' });
      expect(metadata.errors![0]!.message).not.toContain('169.254');
      expect(await refused({ webhookUrl: 'https://hooks.example.test/alert' })).toEqual({ code: 'BAD_USER_INPUT', param: 'webhookUrl' });
      expect(await refused({ scope: 'ENVIRONMENT', scopeId: teams.A.projectId })).toEqual({ code: 'NOT_FOUND', param: 'scopeId' });
      await ok(CREATE_BUDGET, { input: base });
      expect(await refused({})).toEqual({ code: 'BAD_USER_INPUT', param: 'period' });
    });

    it('updates and deletes, each audited with a revision bump', async () => {
      const update = 'mutation($id: ID!, $input: UpdateBudgetInput!) { updateBudget(id: $id, input: $input) { amountMicros mode alertThresholds webhookOrigin } }';
      const revision = await readConfigRevision(h.db.prisma);
      const updated = await ok<{ updateBudget: unknown }>(update, { id: teamBudgetId, input: { amountMicros: '2000', alertThresholds: [90], clearWebhookUrl: true } });
      expect(updated.updateBudget).toEqual({ amountMicros: '2000', mode: 'HARD', alertThresholds: [90], webhookOrigin: null });
      expect(await readConfigRevision(h.db.prisma)).toBe(revision + 1n);
      expect((await publishedSnapshot()).budgets.find((b) => b.id === teamBudgetId)).toMatchObject({ amountMicros: 2000, alertThresholdsPercent: [90] });
      expect(firstError((await call(update, { id: teamBudgetId, input: { webhookUrl: 'http://127.0.0.1:9/x', clearWebhookUrl: true } })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'clearWebhookUrl' });
      await ok(update, { id: teamBudgetId, input: { amountMicros: '1000' } });

      const extra = await ok<{ createBudget: { id: string } }>(CREATE_BUDGET, { input: { scope: 'KEY', scopeId: teams.B.keyId, period: 'LIFETIME', amountMicros: '10' } });
      const deleted = await ok<{ deleteBudget: string }>('mutation($id: ID!) { deleteBudget(id: $id) }', { id: extra.createBudget.id });
      expect(deleted.deleteBudget).toBe(extra.createBudget.id);
      expect(await h.db.prisma.auditEntry.count({ where: { requestId: deleted.requestId, action: 'deleteBudget', objectId: extra.createBudget.id } })).toBe(1);
      expect((await publishedSnapshot()).budgets.some((b) => b.id === extra.createBudget.id)).toBe(false);
    });

    it('keeps team admins to their team and organization budgets to organization grants', async () => {
      const forbidden = async (input: Record<string, unknown>, token: string) => firstError((await call(CREATE_BUDGET, { input }, token)).errors).code;
      expect(await forbidden({ scope: 'ORGANIZATION', period: 'DAY', amountMicros: '5' }, tokens.adminA!)).toBe('forbidden');
      expect(await forbidden({ scope: 'TEAM', scopeId: teams.B.id, period: 'WEEK', amountMicros: '5' }, tokens.adminA!)).toBe('forbidden');
      expect(await forbidden({ scope: 'KEY', scopeId: teams.A.keyId, period: 'WEEK', amountMicros: '5' }, tokens.viewerA!)).toBe('forbidden');
      await ok(CREATE_BUDGET, { input: { scope: 'ENVIRONMENT', scopeId: teams.A.environmentId, period: 'MONTH', amountMicros: '5' } }, tokens.adminA);
      // A team viewer sees its team's budgets only: not team B's, not the organization's.
      const seen = await ok<{ budgets: Array<{ scope: string; scopeId: string }> }>(BUDGETS, {}, tokens.viewerA);
      expect(seen.budgets.length).toBeGreaterThan(0);
      expect(seen.budgets.every((b) => [teams.A.id, teams.A.projectId, teams.A.environmentId, teams.A.keyId].includes(b.scopeId))).toBe(true);
      const all = await ok<{ budgets: Array<{ scope: string }> }>(BUDGETS, {}, tokens.viewerOrg);
      expect(all.budgets.some((b) => b.scope === 'ORGANIZATION')).toBe(true);
    });
  });

  describe("the current window in the organization's time zone, across a DST change", () => {
    const TEAM_DAY = '{ budgets(scope: TEAM) { period currentWindow { start end } spentMicros remainingMicros percentUsed resetsAt } }';

    it('refuses an unknown zone and audits a change', async () => {
      const set = 'mutation($zone: String!) { setOrganizationTimeZone(timeZone: $zone) { timeZone } }';
      expect(firstError((await call(set, { zone: 'Mars/Olympus_Mons' })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'timeZone' });
      expect(firstError((await call(set, { zone: 'Europe/Berlin' }, tokens.adminA)).errors).code).toBe('forbidden');
      const changed = await ok<{ setOrganizationTimeZone: { timeZone: string } }>(set, { zone: 'Europe/Berlin' });
      expect(changed.setOrganizationTimeZone.timeZone).toBe('Europe/Berlin');
      expect(await h.db.prisma.auditEntry.count({ where: { requestId: changed.requestId, objectType: 'Organization' } })).toBe(1);
      expect((await publishedSnapshot()).organizations.find((o) => o.id === h.orgId)?.timeZone).toBe('Europe/Berlin');
      expect((await ok<{ organization: { timeZone: string } }>('{ organization { timeZone } }', {}, tokens.viewerA)).organization.timeZone).toBe('Europe/Berlin');
    });

    it('counts the ledger spend of the 23-hour day of 29 March 2026 in Berlin, and resets exactly at local midnight', async () => {
      // Local 23:30 on the 28th (CET, UTC+1): the day before.
      await postRequest('A', 100n, '2026-03-28T22:30:00Z');
      // Local 00:30 on the 29th, and 23:59:59.999 CEST (UTC+2): in the day.
      await postRequest('A', 250n, '2026-03-28T23:30:00Z');
      await postRequest('A', 50n, '2026-03-29T21:59:59.999Z');
      // Another team's spend never counts.
      await postRequest('B', 999n, '2026-03-29T10:00:00Z');
      nowMs = Date.parse('2026-03-29T12:00:00Z');
      const { budgets } = await ok<{ budgets: Array<Record<string, unknown>> }>(TEAM_DAY);
      expect(budgets).toEqual([
        {
          period: 'DAY',
          currentWindow: { start: '2026-03-28T23:00:00.000Z', end: '2026-03-29T22:00:00.000Z' },
          spentMicros: '300',
          remainingMicros: '700',
          percentUsed: 30,
          resetsAt: '2026-03-29T22:00:00.000Z',
        },
      ]);
      // At the boundary instant the next window has begun, with nothing spent.
      nowMs = Date.parse('2026-03-29T22:00:00Z');
      const next = await ok<{ budgets: Array<{ currentWindow: { start: string; end: string }; spentMicros: string }> }>(TEAM_DAY);
      expect(next.budgets[0]).toMatchObject({ currentWindow: { start: '2026-03-29T22:00:00.000Z', end: '2026-03-30T22:00:00.000Z' }, spentMicros: '0' });
      // One millisecond before it, the old window still holds everything.
      nowMs = Date.parse('2026-03-29T21:59:59.999Z');
      expect((await ok<{ budgets: Array<{ spentMicros: string }> }>(TEAM_DAY)).budgets[0]!.spentMicros).toBe('300');

      // The organization's MONTH budget: March in Berlin, all teams.
      nowMs = Date.parse('2026-03-29T12:00:00Z');
      const org = await ok<{ budgets: Array<{ currentWindow: { start: string; end: string }; spentMicros: string }> }>('{ budgets(scope: ORGANIZATION) { currentWindow { start end } spentMicros } }');
      expect(org.budgets[0]).toEqual({ currentWindow: { start: '2026-02-28T23:00:00.000Z', end: '2026-03-31T22:00:00.000Z' }, spentMicros: '1399' });
    });
  });

  describe('alert history', () => {
    it('lists alerts newest first with filters and cursors, visible per team', async () => {
      const budget = await h.db.prisma.budget.findFirstOrThrow({ where: { scope: 'TEAM', scopeId: teams.A.id } });
      const window = { windowStart: Date.parse('2026-03-28T23:00:00Z'), windowEnd: Date.parse('2026-03-29T22:00:00Z') };
      for (const thresholdPercent of [50, 80, 100]) {
        await recordBudgetAlert(h.db.prisma, { budgetId: budget.id, ...window, thresholdPercent, spentMicros: BigInt(thresholdPercent * 10), amountMicros: 1000n });
      }
      const query = 'query($f: BudgetAlertFilter, $after: String) { budgetAlerts(filter: $f, first: 2, after: $after) { alerts { thresholdPercent spentMicros webhookStatus windowStart } nextCursor } }';
      const first = await ok<{ budgetAlerts: { alerts: Array<{ thresholdPercent: number; webhookStatus: string }>; nextCursor: string } }>(query, { f: { budgetId: budget.id } });
      expect(first.budgetAlerts.alerts.map((a) => a.thresholdPercent)).toEqual([100, 80]);
      expect(first.budgetAlerts.alerts[0]!.webhookStatus).toBe('none');
      const second = await ok<{ budgetAlerts: { alerts: Array<{ thresholdPercent: number }>; nextCursor: string | null } }>(query, { f: { budgetId: budget.id }, after: first.budgetAlerts.nextCursor });
      expect(second.budgetAlerts).toEqual({ alerts: [expect.objectContaining({ thresholdPercent: 50 })], nextCursor: null });
      expect((await ok<{ budgetAlerts: { alerts: unknown[] } }>(query, { f: { scope: 'TEAM', scopeId: teams.A.id } }, tokens.viewerA)).budgetAlerts.alerts).toHaveLength(2);
      expect((await ok<{ budgetAlerts: { alerts: unknown[] } }>(query, { f: { scope: 'TEAM', scopeId: teams.B.id } }, tokens.viewerA)).budgetAlerts.alerts).toHaveLength(0);
      expect(firstError((await call(query, { after: 'not-a-cursor' })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'after' });
      // Recorded by the control plane itself: SYSTEM audit entries.
      expect(await h.db.prisma.auditEntry.count({ where: { action: 'recordBudgetAlert', actorType: 'SYSTEM', objectType: 'BudgetAlert' } })).toBe(3);
    });
  });

  describe("an alias's output reserve", () => {
    it('sets and clears it, refusing values out of range, in the snapshot', async () => {
      const provider = await h.db.prisma.provider.create({ data: { orgId: h.orgId, name: 'mock', type: 'MOCK' } });
      const alias = await h.db.prisma.modelAlias.create({ data: { orgId: h.orgId, alias: 'reserve-mini', routes: { create: [{ providerId: provider.id, upstreamModel: 'mock-1' }] } } });
      const set = 'mutation($id: ID!, $tokens: Int) { setAliasReserveOutputTokens(aliasId: $id, reserveOutputTokens: $tokens) { reserveOutputTokens } }';
      expect(firstError((await call(set, { id: alias.id, tokens: 0 })).errors)).toEqual({ code: 'BAD_USER_INPUT', param: 'reserveOutputTokens' });
      expect((await ok<{ setAliasReserveOutputTokens: { reserveOutputTokens: number } }>(set, { id: alias.id, tokens: 512 })).setAliasReserveOutputTokens.reserveOutputTokens).toBe(512);
      expect((await publishedSnapshot()).routes.find((r) => r.alias === 'reserve-mini')?.reserveOutputTokens).toBe(512);
      await ok(set, { id: alias.id, tokens: null });
      expect((await publishedSnapshot()).routes.find((r) => r.alias === 'reserve-mini')?.reserveOutputTokens).toBeNull();
    });
  });
});
