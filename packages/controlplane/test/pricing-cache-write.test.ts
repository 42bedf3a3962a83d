import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import { buildSnapshot } from '../src/domain/build-snapshot.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';
import { testDatabaseKinds } from './support/test-database.ts';

const CREATE_RULE = `mutation($input: CreatePricingRuleInput!) {
  createPricingRule(input: $input) { id version inputMicrosPerMTok cachedInputMicrosPerMTok cacheWriteMicrosPerMTok }
}`;

interface RuleRow {
  id: string;
  version: number;
  inputMicrosPerMTok: string;
  cachedInputMicrosPerMTok: string | null;
  cacheWriteMicrosPerMTok: string | null;
}

/**
 * A pricing rule's prompt-cache write price over GraphQL on PGlite and Postgres: stored by the
 * migration's column, read back exactly, audited, and carried to data planes in the snapshot
 * (null, billed as input, when omitted).
 */
describe.each(testDatabaseKinds())('pricing rule cache-write price (%s)', (kind) => {
  let h: GraphQLHarness;
  let providerId: string;
  const snapshotOf = async () => buildSnapshot(h.db.prisma, { version: 1, masterKey: h.masterKey, snapshotKey: generateSecretKey() });

  beforeAll(async () => {
    h = await startGraphQLHarness({ database: kind });
    const { createProvider } = await h.ok<{ createProvider: { id: string } }>('mutation { createProvider(input: { name: "Anthropic", type: ANTHROPIC, credential: "sk-ant-test" }) { id } }');
    providerId = createProvider.id;
    await h.ok('mutation($p: ID!) { createModelAlias(input: { alias: "claude", routes: [{ providerId: $p, upstreamModel: "claude-sonnet-4-5" }] }) { id } }', { p: providerId });
  }, 180_000);
  afterAll(() => h?.close());

  it('creates a rule with a cache-write price, reads it back, audits it, and the snapshot carries it', async () => {
    const input = { providerId, model: 'claude-sonnet-4-5', inputMicrosPerMTok: '3000000', outputMicrosPerMTok: '15000000', cachedInputMicrosPerMTok: '300000', cacheWriteMicrosPerMTok: '3750000' };
    const { createPricingRule: rule } = await h.ok<{ createPricingRule: RuleRow }>(CREATE_RULE, { input });
    expect(rule).toMatchObject({ version: 1, cachedInputMicrosPerMTok: '300000', cacheWriteMicrosPerMTok: '3750000' });

    const { pricingRules } = await h.ok<{ pricingRules: RuleRow[] }>('{ pricingRules { id version inputMicrosPerMTok cachedInputMicrosPerMTok cacheWriteMicrosPerMTok } }');
    expect(pricingRules.find((r) => r.id === rule.id)).toEqual(rule);
    const audit = await h.db.prisma.auditEntry.findFirst({ where: { objectId: rule.id } });
    expect(audit?.after).toMatchObject({ cacheWriteMicrosPerMTok: '3750000' });

    const snapshot = await snapshotOf();
    expect(snapshot.pricingRules.find((r) => r.id === rule.id)).toEqual({
      id: rule.id,
      version: 1,
      inputMicrosPerMTok: 3_000_000,
      outputMicrosPerMTok: 15_000_000,
      cachedInputMicrosPerMTok: 300_000,
      cacheWriteMicrosPerMTok: 3_750_000,
    });
    expect(snapshot.routes.find((r) => r.alias === 'claude')?.deployments[0]?.pricingRuleId).toBe(rule.id);
  });

  it('omitted, the next version bills cache writes as input (null), in the snapshot too', async () => {
    const { createPricingRule: rule } = await h.ok<{ createPricingRule: RuleRow }>(CREATE_RULE, {
      input: { providerId, model: 'claude-sonnet-4-5', inputMicrosPerMTok: '3000000', outputMicrosPerMTok: '15000000' },
    });
    expect(rule).toMatchObject({ version: 2, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null });
    const snapshot = await snapshotOf();
    expect(snapshot.routes.find((r) => r.alias === 'claude')?.deployments[0]?.pricingRuleId).toBe(rule.id);
    expect(snapshot.pricingRules.find((r) => r.id === rule.id)?.cacheWriteMicrosPerMTok).toBeNull();
  });

  it('refuses a negative or oversized cache-write price, naming it, and stores nothing', async () => {
    const before = await h.db.prisma.pricingRule.count();
    const base = { providerId, model: 'claude-sonnet-4-5', inputMicrosPerMTok: '1', outputMicrosPerMTok: '1' };
    const negative = await h.gql(CREATE_RULE, { input: { ...base, cacheWriteMicrosPerMTok: '-1' } });
    expect(negative.body.errors?.[0]).toMatchObject({ message: 'cacheWriteMicrosPerMTok: must not be negative', extensions: { code: 'BAD_USER_INPUT' } });
    const huge = await h.gql(CREATE_RULE, { input: { ...base, cacheWriteMicrosPerMTok: '9007199254740992' } });
    expect(huge.body.errors?.[0]?.message).toBe('cacheWriteMicrosPerMTok: must be at most 9007199254740991');
    expect(await h.db.prisma.pricingRule.count()).toBe(before);
  });
});
