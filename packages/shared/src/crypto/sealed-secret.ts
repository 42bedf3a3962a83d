import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A secret encrypted with AES-256-GCM: `v1.<iv>.<ciphertext>.<tag>`, each part base64url.
 * Used for provider credentials at rest (under the master key) and inside config snapshots
 * (under a key derived from the plane-to-plane token), so a snapshot file on disk or in
 * transit never holds a credential in clear.
 */
export type SealedSecret = string & { readonly __brand: 'SealedSecret' };

const VERSION = 'v1';
const IV_BYTES = 12;

/** A 32-byte AES key. */
export type SecretKey = Buffer & { readonly __brand: 'SecretKey' };

/** Parses a 32-byte key from base64 or 64 hex characters; throws a message naming neither value. */
export function parseSecretKey(text: string, name: string): SecretKey {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32) throw new Error(`${name} must be 32 bytes, as 64 hex characters or base64`);
  return bytes as SecretKey;
}

/** A fresh random key, for the embedded defaults. */
export function generateSecretKey(): SecretKey {
  return randomBytes(32) as SecretKey;
}

/** Derives a purpose-bound key from any secret string (HKDF-SHA-256), so one token never doubles as two keys. */
export function deriveSecretKey(secret: string | Buffer, purpose: string): SecretKey {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `proxystacks-relay:${purpose}`, 32)) as SecretKey;
}

/**
 * Encrypts `plaintext`. `context` is bound as additional authenticated data (e.g. the provider
 * id), so a sealed value copied onto another record fails to open.
 */
export function sealSecret(plaintext: string, key: SecretKey, context: string): SealedSecret {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join(
    '.',
  ) as SealedSecret;
}

/** Decrypts a sealed secret; throws (without echoing any input) when the key, context or bytes are wrong. */
export function openSecret(sealed: string, key: SecretKey, context: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('Sealed secret has an unknown format');
  const [, iv, ciphertext, tag] = parts as [string, string, string, string];
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('Sealed secret could not be opened: wrong key or tampered data');
  }
}
