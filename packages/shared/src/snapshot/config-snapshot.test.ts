import { describe, expect, it } from 'vitest';
import { canonicalJson, createSnapshot, parseSnapshot, type ConfigSnapshotInput } from './config-snapshot.ts';
import { openSnapshotCredential, sealSnapshotCredential, snapshotCredentialKey } from './snapshot-credentials.ts';

const content: ConfigSnapshotInput = {
  version: 3,
  createdAt: '2026-11-24T01:00:00.000Z',
  keys: [
    { id: 'k1', hash: 'a'.repeat(64), prefix: 'sk-relay-abc123', name: 'demo', orgId: 'o1', teamId: 't1', projectId: 'pr1', environmentId: 'e1', environment: 'production', status: 'active', expiresAt: null, allowedAliases: [], previousHash: null, previousHashExpiresAt: null },
  ],
  providers: [{ id: 'p1', orgId: 'o1', name: 'mock', type: 'mock', baseUrl: null, credential: null, environments: [] }],
  routes: [
    {
      orgId: 'o1',
      alias: 'relay-mini',
      deployments: [{ id: 'd1', providerId: 'p1', upstreamModel: 'mock-1', priority: 0, weight: 1, pricingRuleId: 'r1', environment: '' }],
    },
  ],
  pricingRules: [{ id: 'r1', version: 1, inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null }],
};

describe('config snapshot', () => {
  it('stamps a content hash that survives a JSON round trip', () => {
    const snapshot = createSnapshot(content);
    expect(snapshot.schemaVersion).toBe(3);
    expect(snapshot.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(parseSnapshot(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
  });

  it('hashes content, not key order', () => {
    const reordered = JSON.parse(JSON.stringify(content), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    expect(createSnapshot(reordered).hash).toBe(createSnapshot(content).hash);
    expect(createSnapshot({ ...content, version: 4 }).hash).not.toBe(createSnapshot(content).hash);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });

  it('rejects a tampered snapshot', () => {
    const snapshot = createSnapshot(content);
    const tampered = { ...snapshot, keys: [{ ...snapshot.keys[0]!, status: 'active', teamId: 't2' }] };
    expect(() => parseSnapshot(tampered)).toThrow(/hash does not match/);
  });

  it('rejects dangling references and duplicates', () => {
    const route = content.routes[0]!;
    const deployment = route.deployments[0]!;
    expect(() => createSnapshot({ ...content, routes: [{ ...route, deployments: [{ ...deployment, providerId: 'nope' }] }] })).toThrow(
      /unknown provider/,
    );
    expect(() => createSnapshot({ ...content, routes: [{ ...route, deployments: [{ ...deployment, pricingRuleId: 'nope', environment: '' }] }] })).toThrow(
      /unknown pricing rule/,
    );
    expect(() => createSnapshot({ ...content, keys: [content.keys[0]!, { ...content.keys[0]!, id: 'k2' }] })).toThrow(
      /Duplicate key hash/,
    );
    expect(() => createSnapshot({ ...content, routes: [{ ...route, deployments: [] }] })).toThrow();
  });

  it('scopes aliases to their organisation', () => {
    const route = content.routes[0]!;
    const otherOrg = { ...content.providers[0]!, id: 'p2', orgId: 'o2' };
    const sameAliasElsewhere = { ...route, orgId: 'o2', deployments: [{ ...route.deployments[0]!, id: 'd2', providerId: 'p2' }] };
    expect(createSnapshot({ ...content, providers: [...content.providers, otherOrg], routes: [route, sameAliasElsewhere] }).routes).toHaveLength(2);
    expect(() => createSnapshot({ ...content, routes: [route, { ...route, deployments: [{ ...route.deployments[0]!, id: 'd3' }] }] })).toThrow(
      /Duplicate route alias/,
    );
    expect(() => createSnapshot({ ...content, providers: [otherOrg], routes: [{ ...route, deployments: [{ ...route.deployments[0]!, providerId: 'p2' }] }] })).toThrow(
      /another organisation's provider/,
    );
  });

  it('carries credentials sealed to their provider', () => {
    const key = snapshotCredentialKey('internal-token-internal-token-internal-token');
    const sealed = sealSnapshotCredential('sk-live-upstream', key, 'p1');
    const snapshot = createSnapshot({ ...content, providers: [{ ...content.providers[0]!, credential: sealed }] });
    expect(JSON.stringify(snapshot)).not.toContain('sk-live-upstream');
    expect(openSnapshotCredential(snapshot.providers[0]!.credential!, key, 'p1')).toBe('sk-live-upstream');
    expect(() => openSnapshotCredential(sealed, key, 'p2')).toThrow();
  });
});
