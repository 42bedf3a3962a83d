import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { DEPLOYMENT_HEALTH_PATH, type DeploymentHealthBatch, type DeploymentHealthReport } from '@proxystacks/shared/health/deployment-health';
import { createHealthReporter } from '@proxystacks/dataplane/health/health-reporter';
import { generateApiToken, insertApiToken } from '../src/domain/api-tokens.ts';
import { createDeploymentHealthStore, type DeploymentHealthStore } from '../src/health/deployment-health-store.ts';
import type { Role } from '../src/generated/prisma/client.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';
import { healthReport } from './support/deployment-health-report.ts';
import { testDatabaseKinds } from './support/test-database.ts';
import { subscribeOverSse } from './support/sse-subscription.ts';

/**
 * Issue 9: each deployment's health, reported by data planes to the control plane's internal
 * endpoint, merged across instances, and served over GraphQL (query and SSE subscription),
 * scoped to the caller's organisation. One harness per database kind, real HTTP throughout.
 */
const INTERVAL_MS = 5_000;
const FIELDS = `deploymentId aliasId alias providerId providerName upstreamModel environment state breaker recentAttempts recentFailures
  errorRatePpm errorRatePercent consecutiveFailures latencyAvgMs ttftAvgMs lastErrorCode reopensAt observedAt instanceCount`;
const QUERY = `query($aliasId: ID, $providerId: ID) { deploymentHealth(aliasId: $aliasId, providerId: $providerId) { ${FIELDS} } }`;
const SUBSCRIPTION = `subscription($aliasId: ID) { deploymentHealthChanged(aliasId: $aliasId) { deploymentId state errorRatePpm instanceCount } }`;

type Row = Record<string, unknown> & { deploymentId: string };

const report = (deploymentId: string, overrides: Partial<DeploymentHealthReport> = {}) => healthReport(deploymentId, { observedAtMs: 1_800_000_000_000, ...overrides });

describe.each(testDatabaseKinds())('deployment health (%s)', (database) => {
  const internalToken = randomBytes(24).toString('hex');
  const clock = { offsetMs: 0 };
  let store: DeploymentHealthStore;
  let h: GraphQLHarness;
  let aliasId: string;
  let providerId: string;
  /** Route ids of the harness org's alias: primary and fallback. */
  let primary: string;
  let fallback: string;
  /** A route of another organisation. */
  let foreign: string;

  async function post(body: unknown, token: string | null = internalToken, method = 'POST') {
    const response = await fetch(`${h.origin}${DEPLOYMENT_HEALTH_PATH}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as { error: Record<string, unknown> }) };
  }
  const batch = (instanceId: string, deployments: DeploymentHealthReport[]): DeploymentHealthBatch => ({ instanceId, sentAtMs: 1_800_000_000_000, deployments });
  const rows = async (variables: Record<string, unknown> = {}) => (await h.ok<{ deploymentHealth: Row[] }>(QUERY, variables)).deploymentHealth;
  const row = async (id: string) => (await rows()).find((r) => r.deploymentId === id);

  beforeAll(async () => {
    store = createDeploymentHealthStore({ intervalMs: INTERVAL_MS, now: () => Date.now() + clock.offsetMs });
    h = await startGraphQLHarness({ database, deploymentHealth: { store, internalToken } });
    const prisma = h.db.prisma;
    const provider = await prisma.provider.create({ data: { orgId: h.orgId, name: 'Health mock', type: 'MOCK' } });
    const alias = await prisma.modelAlias.create({
      data: { orgId: h.orgId, alias: 'health-mini', routes: { create: [{ providerId: provider.id, upstreamModel: 'mock-1', priority: 0 }, { providerId: provider.id, upstreamModel: 'mock-2', priority: 1 }] } },
      include: { routes: { orderBy: { priority: 'asc' } } },
    });
    [aliasId, providerId, primary, fallback] = [alias.id, provider.id, alias.routes[0]!.id, alias.routes[1]!.id];
    const other = await prisma.organization.create({ data: { name: 'Other tenant' } });
    const otherProvider = await prisma.provider.create({ data: { orgId: other.id, name: 'Theirs', type: 'MOCK' } });
    const otherAlias = await prisma.modelAlias.create({ data: { orgId: other.id, alias: 'theirs', routes: { create: [{ providerId: otherProvider.id, upstreamModel: 'x' }] } }, include: { routes: true } });
    foreign = otherAlias.routes[0]!.id;
  }, 180_000);

  afterAll(() => h?.close());

  it('the endpoint takes only the internal token, and only POST', async () => {
    expect((await post(batch('i-auth', []), null)).status).toBe(401);
    expect((await post(batch('i-auth', []), 'x'.repeat(48))).status).toBe(401);
    const get = await post(null, internalToken, 'GET');
    expect(get.status).toBe(405);
    expect(store.instanceCount()).toBe(0);
  });

  it('a malformed batch is refused with an OpenAI-shaped error naming the field', async () => {
    const notJson = await post('{nope');
    expect(notJson).toEqual({ status: 400, body: { error: { message: 'Body is not JSON.', type: 'invalid_request_error', code: 'invalid_json', param: null } } });
    const badState = await post(batch('i-bad', [report(primary, { state: 'sick' as never })]));
    expect(badState.status).toBe(400);
    expect(badState.body!.error).toMatchObject({ code: 'invalid_value', param: 'deployments.0.state' });
    const moreFailuresThanAttempts = await post(batch('i-bad', [report(primary, { recentAttempts: 1, recentFailures: 2 })]));
    expect(moreFailuresThanAttempts.body!.error).toMatchObject({ code: 'invalid_value', param: 'deployments.0.recentFailures' });
    const unknownField = await post({ ...batch('i-bad', []), extra: 1 });
    expect(unknownField.body!.error).toMatchObject({ code: 'invalid_value' });
    const tooLarge = await post({ ...batch('i-bad', []), pad: 'x'.repeat(9 * 1024 * 1024) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body!.error).toMatchObject({ code: 'body_too_large' });
    expect(store.instanceCount()).toBe(0);
  });

  it('a deployment nobody reports is unknown (null), never "online"', async () => {
    expect(await row(primary)).toEqual({
      deploymentId: primary, aliasId, alias: 'health-mini', providerId, providerName: 'Health mock', upstreamModel: 'mock-1', environment: null,
      state: null, breaker: null, recentAttempts: null, recentFailures: null, errorRatePpm: null, errorRatePercent: null, consecutiveFailures: null,
      latencyAvgMs: null, ttftAvgMs: null, lastErrorCode: null, reopensAt: null, observedAt: null, instanceCount: 0,
    });
  });

  it('two instances merge: worst state, summed counts, rate recomputed, latency weighted by attempts; then each expires after 3 silent intervals', async () => {
    clock.offsetMs = 0;
    const a = await post(batch('instance-a', [report(primary, { state: 'online', recentAttempts: 10, recentFailures: 1, errorRatePpm: 100_000, latencyAvgMs: 100, ttftAvgMs: 40, lastErrorCode: 'upstream_error', observedAtMs: 1_800_000_000_000 })]));
    expect(a).toEqual({ status: 204, body: null });
    clock.offsetMs = 2 * INTERVAL_MS;
    await post(
      batch('instance-b', [
        report(primary, { state: 'degraded', breaker: 'half_open', recentAttempts: 30, recentFailures: 9, errorRatePpm: 300_000, consecutiveFailures: 3, latencyAvgMs: 200, ttftAvgMs: null, lastErrorCode: 'upstream_timeout', observedAtMs: 1_800_000_001_000 }),
        report(fallback, { state: 'standby' }),
      ]),
    );
    expect(await row(primary)).toMatchObject({
      state: 'DEGRADED', breaker: 'HALF_OPEN', recentAttempts: 40, recentFailures: 10, errorRatePpm: 250_000, errorRatePercent: 25, consecutiveFailures: 3,
      latencyAvgMs: 175, ttftAvgMs: 40, lastErrorCode: 'upstream_timeout', observedAt: '2027-01-15T08:00:01.000Z', instanceCount: 2,
    });
    expect(await row(fallback)).toMatchObject({ state: 'STANDBY', instanceCount: 1, errorRatePpm: 0 });
    // A fell silent 3 intervals ago (its last report was at offset 0): only B counts.
    clock.offsetMs = 3 * INTERVAL_MS + 1;
    expect(await row(primary)).toMatchObject({ state: 'DEGRADED', recentAttempts: 30, errorRatePpm: 300_000, latencyAvgMs: 200, instanceCount: 1 });
    clock.offsetMs = 5 * INTERVAL_MS + 2;
    expect(await row(primary)).toMatchObject({ state: null, instanceCount: 0 });
    expect(store.instanceCount()).toBe(0);
  });

  it("filters by alias and provider, and never shows another organisation's deployments", async () => {
    await post(batch('instance-c', [report(foreign, { state: 'down' }), report(primary, { state: 'online' })]));
    expect((await rows()).map((r) => r.deploymentId)).toEqual([primary, fallback]);
    expect((await rows({ aliasId })).map((r) => r.deploymentId)).toEqual([primary, fallback]);
    expect((await rows({ providerId })).map((r) => r.deploymentId)).toEqual([primary, fallback]);
    expect(await rows({ aliasId: (await h.db.prisma.modelRoute.findUniqueOrThrow({ where: { id: foreign } })).aliasId })).toEqual([]);
    expect(await rows({ aliasId: 'not-a-uuid' })).toEqual([]);
  });

  it('every role may read it; an anonymous caller may not', async () => {
    for (const role of ['OWNER', 'ADMIN', 'ANALYST', 'VIEWER'] as Role[]) {
      const token = generateApiToken();
      await insertApiToken(h.db.prisma, { orgId: h.orgId, name: `health ${role}`, role, teamId: null, expiresAt: null, createdByUserId: null, token }, h.keySecret);
      const { body } = await h.gql<{ deploymentHealth: Row[] }>(QUERY, {}, token);
      expect(body.errors).toBeUndefined();
      expect(body.data!.deploymentHealth.length).toBe(2);
    }
    expect((await h.gql(QUERY, {}, null)).status).toBe(401);
    const anonymous = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: SUBSCRIPTION }) });
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
  });

  it('the subscription sends the list at once over SSE, then again when a state changes', async () => {
    clock.offsetMs += 10 * INTERVAL_MS;
    expect(store.instanceCount()).toBe(0);
    const sub = await subscribeOverSse(h.url, h.adminToken, SUBSCRIPTION, { aliasId });
    try {
      expect(sub.status).toBe(200);
      expect(sub.contentType).toMatch(/text\/event-stream/);
      expect(await sub.next()).toEqual({ data: { deploymentHealthChanged: [{ deploymentId: primary, state: null, errorRatePpm: null, instanceCount: 0 }, { deploymentId: fallback, state: null, errorRatePpm: null, instanceCount: 0 }] } });
      await post(batch('instance-d', [report(primary, { state: 'down', breaker: 'open', recentAttempts: 4, recentFailures: 4, errorRatePpm: 1_000_000 }), report(foreign, { state: 'online' })]));
      expect(await sub.next()).toEqual({ data: { deploymentHealthChanged: [{ deploymentId: primary, state: 'DOWN', errorRatePpm: 1_000_000, instanceCount: 1 }, { deploymentId: fallback, state: null, errorRatePpm: null, instanceCount: 0 }] } });
      // Another tenant's change wakes the store but is no change of this list; the next real one is what arrives.
      await post(batch('instance-e', [report(foreign, { state: 'down' })]));
      await post(batch('instance-d', [report(primary, { state: 'online', recentAttempts: 5, recentFailures: 0 })]));
      expect(await sub.next()).toEqual({ data: { deploymentHealthChanged: [{ deploymentId: primary, state: 'ONLINE', errorRatePpm: 0, instanceCount: 1 }, { deploymentId: fallback, state: null, errorRatePpm: null, instanceCount: 0 }] } });
    } finally {
      sub.close();
    }
  });

  it("the data plane's reporter reaches this endpoint over loopback, and GraphQL shows what it sent", async () => {
    clock.offsetMs += 10 * INTERVAL_MS;
    const reporter = createHealthReporter({
      controlplaneUrl: h.origin,
      internalToken,
      dataplaneId: 'dp-loopback',
      intervalMs: INTERVAL_MS,
      source: { report: (nowMs) => [report(fallback, { state: 'degraded', recentAttempts: 8, recentFailures: 2, errorRatePpm: 250_000, latencyAvgMs: 321, observedAtMs: nowMs })] },
      logger: pino({ level: 'silent' }),
    });
    try {
      expect(await reporter.flush()).toBe(true);
      expect(await row(fallback)).toMatchObject({ state: 'DEGRADED', recentAttempts: 8, errorRatePercent: 25, latencyAvgMs: 321, instanceCount: 1 });
    } finally {
      await reporter.stop();
    }
  });
});
