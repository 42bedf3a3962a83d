import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnapshotPublisher, type SnapshotPublisher } from '../src/domain/snapshot-publisher.ts';
import { startGraphQLHarness, type GraphQLHarness, type GraphQLResponse } from './graphql/graphql-harness.ts';
import { testDatabaseKinds } from './support/test-database.ts';

// Issue 9: an alias's routing strategy is route config: chosen when the alias is created or
// changed later (audited, config:write), and published in the snapshot the data planes route with.
describe.each(testDatabaseKinds())('routing strategy per alias on %s', (database) => {
  let h: GraphQLHarness;
  let publisher: SnapshotPublisher;
  let providerId = '';

  beforeAll(async () => {
    h = await startGraphQLHarness({ database });
    providerId = (await h.db.prisma.provider.create({ data: { orgId: h.orgId, name: 'mock', type: 'MOCK' } })).id;
    publisher = createSnapshotPublisher({ prisma: h.db.prisma, internalToken: randomBytes(32).toString('hex'), masterKey: h.masterKey, logger: pino({ level: 'silent' }), pollIntervalMs: 3_600_000 });
    await publisher.start();
  }, 180_000);
  afterAll(async () => {
    await publisher?.stop();
    await h?.close();
  });

  async function call<T>(query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.adminToken}` }, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as GraphQLResponse<T>['body'];
  }
  async function strategyInSnapshot(alias: string) {
    await publisher.refresh();
    return publisher.current().routes.find((r) => r.alias === alias)?.strategy;
  }

  it('defaults to FALLBACK, takes one at creation, changes it audited, and publishes it', async () => {
    const create = 'mutation($input: CreateModelAliasInput!) { createModelAlias(input: $input) { id alias routingStrategy } }';
    const route = { providerId, upstreamModel: 'mock-1' };
    const plain = await call<{ createModelAlias: { id: string; routingStrategy: string } }>(create, { input: { alias: 'plain', routes: [route] } });
    expect(plain.errors).toBeUndefined();
    expect(plain.data?.createModelAlias.routingStrategy).toBe('FALLBACK');
    expect(await strategyInSnapshot('plain')).toBe('fallback');

    const fast = await call<{ createModelAlias: { id: string; routingStrategy: string } }>(create, { input: { alias: 'fast', routes: [route], routingStrategy: 'LEAST_LATENCY' } });
    expect(fast.data?.createModelAlias.routingStrategy).toBe('LEAST_LATENCY');
    expect(await strategyInSnapshot('fast')).toBe('least_latency');

    const set = 'mutation($id: ID!, $s: RoutingStrategy!) { setAliasRoutingStrategy(aliasId: $id, routingStrategy: $s) { routingStrategy } }';
    const id = plain.data!.createModelAlias.id;
    expect((await call<{ setAliasRoutingStrategy: { routingStrategy: string } }>(set, { id, s: 'LOWEST_COST' })).data?.setAliasRoutingStrategy.routingStrategy).toBe('LOWEST_COST');
    expect(await strategyInSnapshot('plain')).toBe('lowest_cost');
    const audit = await h.db.prisma.auditEntry.findFirst({ where: { action: 'setAliasRoutingStrategy', objectId: id } });
    expect(audit).not.toBeNull();

    expect((await call(set, { id, s: 'RANDOM' })).errors?.[0]?.message).toMatch(/RoutingStrategy/);
    expect((await call(set, { id: '00000000-0000-4000-8000-000000000000', s: 'WEIGHTED' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
