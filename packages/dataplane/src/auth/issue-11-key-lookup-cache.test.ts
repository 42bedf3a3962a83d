import { beforeEach, describe, expect, it, vi } from 'vitest';
import { displayPrefix, generateKey, hashKey } from '@proxystacks/shared/keys/key-format';
import { createSnapshot, type SnapshotKey } from '@proxystacks/shared/snapshot/config-snapshot';
import { snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import { isRelayError } from '@proxystacks/shared/errors/relay-error';
import { compileSnapshot, type CompiledSnapshot } from '../snapshot/compiled-snapshot.ts';
import { authenticate } from './authenticate.ts';
import { cachedKeyCount } from './known-key-cache.ts';

// Count the HMACs: the point of the cache is that a known key is hashed once per snapshot.
const hmacs = vi.hoisted(() => ({ count: 0 }));
vi.mock('@proxystacks/shared/keys/key-format', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@proxystacks/shared/keys/key-format')>();
  return {
    ...actual,
    hashKey: (key: string, secret: Buffer | string) => {
      hmacs.count++;
      return actual.hashKey(key, secret);
    },
  };
});

const KEY_SECRET = 'key-secret-for-the-cache-test-0123456789';
const CREDENTIAL_KEY = snapshotCredentialKey('internal-token-for-the-cache-test-0123456789');
const NOW_MS = Date.parse('2026-06-01T00:00:00Z');

function snapshotWith(version: number, keys: SnapshotKey[]): CompiledSnapshot {
  return compileSnapshot(
    createSnapshot({ version, createdAt: new Date(NOW_MS).toISOString(), keys, providers: [], routes: [], pricingRules: [] }),
    CREDENTIAL_KEY,
  );
}

function keyRow(id: string, secret: string, overrides: Partial<SnapshotKey> = {}): SnapshotKey {
  return {
    id,
    hash: hashKey(secret, KEY_SECRET),
    prefix: displayPrefix(secret),
    name: id,
    orgId: 'org-1',
    teamId: 'team-1',
    projectId: 'proj-1',
    environmentId: 'env-1',
    environment: 'production',
    status: 'active',
    expiresAt: null,
    allowedAliases: [],
    previousHash: null,
    previousHashExpiresAt: null,
    responseCacheTtlSeconds: null,
    ...overrides,
  };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (isRelayError(err)) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('issue 11: key lookups cached per snapshot', () => {
  const secret = generateKey();
  beforeEach(() => {
    hmacs.count = 0;
  });

  it('hashes a known key once per snapshot, not on every request', () => {
    const snapshot = snapshotWith(1, [keyRow('key-1', secret)]);
    hmacs.count = 0;
    for (let i = 0; i < 100; i++) expect(authenticate(`Bearer ${secret}`, snapshot, KEY_SECRET, undefined, NOW_MS).id).toBe('key-1');
    expect(hmacs.count).toBe(1);
    // A new snapshot starts from nothing.
    const next = snapshotWith(2, [keyRow('key-1', secret)]);
    hmacs.count = 0;
    authenticate(`Bearer ${secret}`, next, KEY_SECRET, undefined, NOW_MS);
    authenticate(`Bearer ${secret}`, next, KEY_SECRET, undefined, NOW_MS);
    expect(hmacs.count).toBe(1);
  });

  it('keeps the trace of a cached key (prefix and hash id) as without the cache', () => {
    const snapshot = snapshotWith(1, [keyRow('key-1', secret)]);
    for (let i = 0; i < 2; i++) {
      const trace = { key: null, keyPrefix: '', keyHashId: '' };
      authenticate(`Bearer ${secret}`, snapshot, KEY_SECRET, trace, NOW_MS);
      expect(trace).toEqual({ key: expect.objectContaining({ id: 'key-1' }), keyPrefix: displayPrefix(secret), keyHashId: hashKey(secret, KEY_SECRET).slice(0, 16) });
    }
  });

  it('does not cache unknown secrets: a flood of random well-formed keys grows nothing', () => {
    const snapshot = snapshotWith(1, [keyRow('key-1', secret)]);
    authenticate(`Bearer ${secret}`, snapshot, KEY_SECRET, undefined, NOW_MS);
    for (let i = 0; i < 2_000; i++) expect(refusal(() => authenticate(`Bearer ${generateKey()}`, snapshot, KEY_SECRET, undefined, NOW_MS))).toBe('invalid_api_key');
    expect(cachedKeyCount(snapshot)).toBe(1);
  });

  it('a revocation in the next snapshot takes effect on the next request', () => {
    const active = snapshotWith(1, [keyRow('key-1', secret)]);
    for (let i = 0; i < 3; i++) expect(refusal(() => authenticate(`Bearer ${secret}`, active, KEY_SECRET, undefined, NOW_MS))).toBe('accepted');
    const revoked = snapshotWith(2, [keyRow('key-1', secret, { status: 'revoked' })]);
    expect(refusal(() => authenticate(`Bearer ${secret}`, revoked, KEY_SECRET, undefined, NOW_MS))).toBe('api_key_revoked');
    const deleted = snapshotWith(3, []);
    expect(refusal(() => authenticate(`Bearer ${secret}`, deleted, KEY_SECRET, undefined, NOW_MS))).toBe('invalid_api_key');
  });

  it('still checks expiry and the rotation grace on every request', () => {
    const previous = generateKey();
    const current = generateKey();
    const expiresAt = NOW_MS + 60_000;
    const snapshot = snapshotWith(1, [
      keyRow('key-1', current, { previousHash: hashKey(previous, KEY_SECRET), previousHashExpiresAt: NOW_MS + 1_000, expiresAt }),
    ]);
    expect(refusal(() => authenticate(`Bearer ${previous}`, snapshot, KEY_SECRET, undefined, NOW_MS))).toBe('accepted');
    expect(refusal(() => authenticate(`Bearer ${previous}`, snapshot, KEY_SECRET, undefined, NOW_MS + 1_000))).toBe('invalid_api_key');
    expect(refusal(() => authenticate(`Bearer ${current}`, snapshot, KEY_SECRET, undefined, NOW_MS))).toBe('accepted');
    expect(refusal(() => authenticate(`Bearer ${current}`, snapshot, KEY_SECRET, undefined, expiresAt))).toBe('api_key_expired');
  });

  it('never answers from entries computed under another key secret', () => {
    const snapshot = snapshotWith(1, [keyRow('key-1', secret)]);
    authenticate(`Bearer ${secret}`, snapshot, KEY_SECRET, undefined, NOW_MS);
    expect(refusal(() => authenticate(`Bearer ${secret}`, snapshot, 'another-key-secret-0123456789abcdef', undefined, NOW_MS))).toBe('invalid_api_key');
  });
});
