import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createKeyring,
  generateSecretKey,
  openSecret,
  sealedKeyId,
  sealSecret,
  secretKeyId,
  type SecretKey,
} from './sealed-secret.ts';

/** A value in the format sealed before key ids existed: `v1.<iv>.<ciphertext>.<tag>`. */
function sealV1(plaintext: string, key: SecretKey, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

describe('issue 7: sealed values carry a key id and open from a keyring', () => {
  const oldKey = generateSecretKey();
  const newKey = generateSecretKey();

  it('names the sealing key by an id that is not the key', () => {
    const sealed = sealSecret('sk-upstream', newKey, 'provider:p1');
    const kid = secretKeyId(newKey);
    expect(kid).toMatch(/^[\w-]{11}$/);
    expect(sealedKeyId(sealed)).toBe(kid);
    expect(sealed.split('.')[1]).toBe(kid);
    for (const form of [newKey.toString('hex'), newKey.toString('base64'), newKey.toString('base64url')]) {
      expect(sealed).not.toContain(form);
      expect(form).not.toContain(kid);
    }
    expect(secretKeyId(oldKey)).not.toBe(kid);
  });

  it('opens v2 values by key id and v1 values by trying each key', () => {
    const ring = createKeyring(newKey, [oldKey]);
    const underOld = sealSecret('old-credential', oldKey, 'provider:p1');
    const underNew = sealSecret('new-credential', ring, 'provider:p1');
    expect(sealedKeyId(underNew)).toBe(secretKeyId(newKey));
    expect(openSecret(underOld, ring, 'provider:p1')).toBe('old-credential');
    expect(openSecret(underNew, ring, 'provider:p1')).toBe('new-credential');
    expect(openSecret(sealV1('legacy-old', oldKey, 'provider:p1'), ring, 'provider:p1')).toBe('legacy-old');
    expect(openSecret(sealV1('legacy-new', newKey, 'provider:p1'), ring, 'provider:p1')).toBe('legacy-new');
    expect(sealedKeyId(sealV1('x', oldKey, 'c'))).toBeNull();
  });

  it('refuses a value whose key is not on the ring, and a v1 value no key opens', () => {
    const onlyNew = createKeyring(newKey);
    expect(() => openSecret(sealSecret('c', oldKey, 'ctx'), onlyNew, 'ctx')).toThrow(/could not be opened/);
    expect(() => openSecret(sealV1('c', oldKey, 'ctx'), onlyNew, 'ctx')).toThrow(/could not be opened/);
    expect(() => openSecret(sealSecret('c', newKey, 'ctx'), createKeyring(oldKey), 'ctx')).toThrow(/could not be opened/);
  });

  it('drops a previous key equal to the current one', () => {
    expect(createKeyring(newKey, [newKey, null, oldKey]).previous).toEqual([oldKey]);
  });
});
