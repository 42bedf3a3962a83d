import { describe, expect, it } from 'vitest';
import { deriveSecretKey, generateSecretKey, openSecret, parseSecretKey, sealSecret } from './sealed-secret.ts';

describe('sealed secrets', () => {
  const key = generateSecretKey();

  it('round-trips and never contains the plaintext', () => {
    const sealed = sealSecret('sk-upstream-credential', key, 'provider:p1');
    expect(sealed).toMatch(/^v2\.[\w-]{11}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('sk-upstream');
    expect(openSecret(sealed, key, 'provider:p1')).toBe('sk-upstream-credential');
    expect(sealSecret('same', key, 'c')).not.toBe(sealSecret('same', key, 'c'));
  });

  it('fails to open under another key or context, or when tampered', () => {
    const sealed = sealSecret('credential', key, 'provider:p1');
    expect(() => openSecret(sealed, generateSecretKey(), 'provider:p1')).toThrow(/could not be opened/);
    expect(() => openSecret(sealed, key, 'provider:p2')).toThrow(/could not be opened/);
    const parts = sealed.split('.');
    parts[2] = parts[2]!.slice(0, -2) + (parts[2]!.endsWith('AA') ? 'AB' : 'AA');
    expect(() => openSecret(parts.join('.'), key, 'provider:p1')).toThrow(/could not be opened/);
    expect(() => openSecret('garbage', key, 'provider:p1')).toThrow(/unknown format/);
  });

  it('parses keys from hex or base64 and names only the variable on error', () => {
    const hex = 'ab'.repeat(32);
    expect(parseSecretKey(hex, 'RELAY_MASTER_KEY').toString('hex')).toBe(hex);
    expect(parseSecretKey(Buffer.from(hex, 'hex').toString('base64'), 'X').toString('hex')).toBe(hex);
    expect(() => parseSecretKey('short-secret-value', 'RELAY_MASTER_KEY')).toThrow(
      'RELAY_MASTER_KEY must be 32 bytes, as 64 hex characters or base64',
    );
  });

  it('derives distinct keys per purpose', () => {
    const a = deriveSecretKey('token', 'one');
    expect(a).toHaveLength(32);
    expect(deriveSecretKey('token', 'one').equals(a)).toBe(true);
    expect(deriveSecretKey('token', 'two').equals(a)).toBe(false);
  });
});
