import { describe, expect, it } from 'vitest';
import { createSnapshot, parseSnapshot } from './config-snapshot.ts';

/**
 * A pricing rule's prompt-cache write price travels in the snapshot. A snapshot written before
 * the field existed (this one was printed by the code before it, hash included) still parses
 * after an upgrade, its rules billing cache writes as input (null), under the same hash.
 */
const BEFORE_CACHE_WRITE_PRICE = {
  schemaVersion: 3,
  version: 9,
  createdAt: '2026-11-29T00:00:00.000Z',
  keys: [],
  providers: [{ id: 'p1', orgId: 'o1', name: 'Anthropic', type: 'anthropic', baseUrl: 'https://api.anthropic.com/v1', credential: null, environments: [], apiVersion: null, extraHeaders: {}, http2: 'off' }],
  routes: [
    {
      orgId: 'o1',
      alias: 'claude',
      deployments: [{ id: 'd1', providerId: 'p1', upstreamModel: 'claude-sonnet-4-5', priority: 0, weight: 1, pricingRuleId: 'r1', environment: '' }],
      reserveOutputTokens: null,
      strategy: 'fallback',
      responseCacheTtlSeconds: null,
      responseCacheToolStreams: false,
    },
  ],
  pricingRules: [{ id: 'r1', version: 1, inputMicrosPerMTok: 3_000_000, outputMicrosPerMTok: 15_000_000, cachedInputMicrosPerMTok: 300_000 }],
  organizations: [],
  rateLimits: [],
  budgets: [],
  fundingAccounts: [],
  hash: '1a55158979b647d74542dceaadd9bcd312e73f65f2bf1a76520a460529f6877f',
};

type SnapshotInput = Parameters<typeof createSnapshot>[0];

describe('a pricing rule’s cache-write price in the config snapshot', () => {
  it('parses a snapshot from before the field, with null (billed as input) and the same hash', () => {
    const parsed = parseSnapshot(structuredClone(BEFORE_CACHE_WRITE_PRICE));
    expect(parsed.pricingRules[0]!.cacheWriteMicrosPerMTok).toBeNull();
    expect(parsed.hash).toBe(BEFORE_CACHE_WRITE_PRICE.hash);
    const { hash: _hash, schemaVersion: _schemaVersion, ...content } = BEFORE_CACHE_WRITE_PRICE;
    expect(createSnapshot(content as SnapshotInput).hash).toBe(BEFORE_CACHE_WRITE_PRICE.hash);
    // Written out explicitly as null, it is the same snapshot.
    const explicit = { ...content, pricingRules: [{ ...content.pricingRules[0]!, cacheWriteMicrosPerMTok: null }] };
    expect(createSnapshot(explicit as SnapshotInput).hash).toBe(BEFORE_CACHE_WRITE_PRICE.hash);
  });

  it('carries a price, and a price changes the hash', () => {
    const { hash: _hash, schemaVersion: _schemaVersion, ...content } = structuredClone(BEFORE_CACHE_WRITE_PRICE);
    const priced = createSnapshot({ ...content, pricingRules: [{ ...content.pricingRules[0]!, cacheWriteMicrosPerMTok: 3_750_000 }] } as SnapshotInput);
    expect(priced.hash).not.toBe(BEFORE_CACHE_WRITE_PRICE.hash);
    expect(parseSnapshot(JSON.parse(JSON.stringify(priced))).pricingRules[0]!.cacheWriteMicrosPerMTok).toBe(3_750_000);
    // The hash covers the price: a snapshot whose price was changed in transit is refused.
    const tampered = { ...JSON.parse(JSON.stringify(priced)), pricingRules: [{ ...priced.pricingRules[0]!, cacheWriteMicrosPerMTok: 3_000_000 }] };
    expect(() => parseSnapshot(tampered)).toThrow(/hash/);
    expect(() => createSnapshot({ ...content, pricingRules: [{ ...content.pricingRules[0]!, cacheWriteMicrosPerMTok: -1 }] } as SnapshotInput)).toThrow();
  });
});
