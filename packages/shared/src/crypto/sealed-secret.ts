import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A secret encrypted with AES-256-GCM: `v2.<kid>.<iv>.<ciphertext>.<tag>`, each part base64url,
 * where `kid` names the key it was sealed under (see {@link secretKeyId}). Used for provider
 * credentials at rest (under the master key) and inside config snapshots (under a key derived
 * from the plane-to-plane token), so a snapshot file on disk or in transit never holds a
 * credential in clear. Values sealed before key ids existed (`v1.<iv>.<ciphertext>.<tag>`)
 * still open: each key of the keyring is tried in turn.
 */
export type SealedSecret = string & { readonly __brand: 'SealedSecret' };

const VERSION = 'v2';
const LEGACY_VERSION = 'v1';
const IV_BYTES = 12;
const KEY_ID_BYTES = 8;

/** A 32-byte AES key. */
export type SecretKey = Buffer & { readonly __brand: 'SecretKey' };

/**
 * The keys a process may open sealed values with: `current` seals and opens, `previous` only
 * opens. A rotation runs with both until every value is sealed under `current` again.
 */
export interface SecretKeyring {
  readonly current: SecretKey;
  readonly previous: readonly SecretKey[];
}

/** A keyring sealing under `current` and still opening values sealed under any of `previous`. */
export function createKeyring(current: SecretKey, previous: ReadonlyArray<SecretKey | null | undefined> = []): SecretKeyring {
  const kid = secretKeyId(current);
  const others = previous.filter((key): key is SecretKey => key !== null && key !== undefined && secretKeyId(key) !== kid);
  return Object.freeze({ current, previous: Object.freeze(others) });
}

/**
 * A short public name for a key: the first 8 bytes of HMAC-SHA-256(key, 'relay-key-id'),
 * base64url. A one-way function of the key, so it can be stored beside the ciphertext and
 * printed, yet tells nothing about the key.
 */
export function secretKeyId(key: SecretKey): string {
  return createHmac('sha256', key).update('relay-key-id').digest().subarray(0, KEY_ID_BYTES).toString('base64url');
}

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
 * Encrypts `plaintext` under `key` (a keyring's current key). `context` is bound as additional
 * authenticated data (e.g. the provider id), so a sealed value copied onto another record fails to open.
 */
export function sealSecret(plaintext: string, key: SecretKey | SecretKeyring, context: string): SealedSecret {
  const sealingKey = Buffer.isBuffer(key) ? key : key.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealingKey, iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, secretKeyId(sealingKey), iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join(
    '.',
  ) as SealedSecret;
}

/** The key id a sealed value names; null for a `v1` value (sealed before key ids) or an unknown format. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === VERSION ? parts[1]! : null;
}

/**
 * Decrypts a sealed secret with the keyring's key its id names (a `v1` value: each key in turn);
 * throws (without echoing any input) when no key fits, or the context or bytes are wrong.
 */
export function openSecret(sealed: string, key: SecretKey | SecretKeyring, context: string): string {
  const keys = Buffer.isBuffer(key) ? [key] : [key.current, ...key.previous];
  const parts = sealed.split('.');
  if (parts.length === 5 && parts[0] === VERSION) {
    const [, kid, iv, ciphertext, tag] = parts as [string, string, string, string, string];
    const match = keys.find((candidate) => secretKeyId(candidate) === kid);
    if (match === undefined) throw new Error(`Sealed secret could not be opened: it was sealed under key ${kid}, which this process does not hold`);
    return decrypt(match, iv, ciphertext, tag, context) ?? failOpen();
  }
  if (parts.length === 4 && parts[0] === LEGACY_VERSION) {
    const [, iv, ciphertext, tag] = parts as [string, string, string, string];
    for (const candidate of keys) {
      const plaintext = decrypt(candidate, iv, ciphertext, tag, context);
      if (plaintext !== null) return plaintext;
    }
    return failOpen();
  }
  throw new Error('Sealed secret has an unknown format');
}

function failOpen(): never {
  throw new Error('Sealed secret could not be opened: wrong key or tampered data');
}

/** AES-256-GCM open; null when the tag does not verify. */
function decrypt(key: SecretKey, iv: string, ciphertext: string, tag: string, context: string): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
