import { describe, expect, it } from 'vitest';
import {
  KEY_PREFIX,
  KEY_RANDOM_LENGTH,
  displayPrefix,
  generateKey,
  hashKey,
  hashesEqual,
  isWellFormedKey,
  randomBase62,
} from './key-format.ts';

describe('key format', () => {
  it('generates sk-relay- keys with enough base62 characters', () => {
    const key = generateKey();
    expect(key.startsWith(KEY_PREFIX)).toBe(true);
    expect(key.slice(KEY_PREFIX.length)).toMatch(new RegExp(`^[0-9A-Za-z]{${KEY_RANDOM_LENGTH}}$`));
    expect(KEY_RANDOM_LENGTH).toBeGreaterThanOrEqual(32);
    expect(isWellFormedKey(key)).toBe(true);
    expect(generateKey()).not.toBe(key);
  });

  it('draws every base62 character', () => {
    const seen = new Set(randomBase62(20_000));
    expect(seen.size).toBe(62);
  });

  it('rejects malformed keys cheaply', () => {
    for (const bad of ['', 'sk-relay-', 'sk-relay-short', `sk-other-${'a'.repeat(40)}`, `sk-relay-${'a'.repeat(39)}!`, `sk-relay-${'a'.repeat(200)}`]) {
      expect(isWellFormedKey(bad), bad).toBe(false);
    }
  });

  it('hashes with HMAC-SHA-256 under the server secret', () => {
    const key = `sk-relay-${'A'.repeat(43)}`;
    const a = hashKey(key, 'secret-one-secret-one-secret-one');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey(key, 'secret-one-secret-one-secret-one')).toBe(a);
    expect(hashKey(key, 'secret-two-secret-two-secret-two')).not.toBe(a);
    expect(hashesEqual(a, a)).toBe(true);
    expect(hashesEqual(a, hashKey(`${key}x`, 'secret-one-secret-one-secret-one'))).toBe(false);
    expect(hashesEqual(a, '')).toBe(false);
  });

  it('shows only a short prefix', () => {
    const key = generateKey();
    expect(displayPrefix(key)).toBe(key.slice(0, 15));
  });
});
