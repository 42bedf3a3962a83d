import { describe, expect, it } from 'vitest';
import { createSnapshot, parseSnapshot } from './config-snapshot.ts';

/**
 * Issue 11: a provider's `http2` setting travels in the snapshot. A snapshot written before the
 * field existed (this one was printed by the code before issue 11, hash included) still parses
 * after an upgrade, and its providers get the default, 'off' (HTTP/1.1, as before the field).
 */
const BEFORE_ISSUE_11 = {
  schemaVersion: 3,
  version: 7,
  createdAt: '2026-11-28T00:00:00.000Z',
  keys: [],
  providers: [{ id: 'p1', orgId: 'o1', name: 'OpenAI', type: 'openai', baseUrl: 'https://api.openai.com/v1', credential: null, environments: [], apiVersion: null, extraHeaders: {} }],
  routes: [],
  pricingRules: [],
  organizations: [],
  rateLimits: [],
  budgets: [],
  fundingAccounts: [],
  hash: '245c7decdf8e39ea0b5aefbf22c3aaf281b431aa83e2927a4340260d1745ebbb',
};

describe('provider http2 in the config snapshot (issue 11)', () => {
  it('parses a snapshot from before the field, with the default off and the same hash', () => {
    const parsed = parseSnapshot(structuredClone(BEFORE_ISSUE_11));
    expect(parsed.providers[0]!.http2).toBe('off');
    expect(parsed.hash).toBe(BEFORE_ISSUE_11.hash);
    const { hash: _hash, schemaVersion: _schemaVersion, ...content } = BEFORE_ISSUE_11;
    expect(createSnapshot(content as Parameters<typeof createSnapshot>[0]).hash).toBe(BEFORE_ISSUE_11.hash);
  });

  it('carries auto, and auto changes the hash', () => {
    const { hash: _hash, schemaVersion: _schemaVersion, ...content } = structuredClone(BEFORE_ISSUE_11);
    const auto = createSnapshot({ ...content, providers: [{ ...content.providers[0]!, type: 'openai', http2: 'auto' }] } as Parameters<typeof createSnapshot>[0]);
    expect(auto.hash).not.toBe(BEFORE_ISSUE_11.hash);
    expect(parseSnapshot(JSON.parse(JSON.stringify(auto))).providers[0]!.http2).toBe('auto');
  });
});
