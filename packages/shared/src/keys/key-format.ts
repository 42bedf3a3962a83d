import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every Relay API key starts with this, so secret scanners and humans recognise it. */
export const KEY_PREFIX = 'sk-relay-';

/** Random base62 characters after the prefix: 43 × log2(62) ≈ 256 bits of entropy. */
export const KEY_RANDOM_LENGTH = 43;

/** Shortest random part accepted when parsing (keys issued by older builds may be shorter). */
export const KEY_MIN_RANDOM_LENGTH = 32;

/** How many characters of a key are kept in clear (in the database and the console) to tell keys apart. */
export const KEY_DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 6;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${KEY_MIN_RANDOM_LENGTH},128}$`);

/** Random base62 string, by rejection sampling so every character is equally likely. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: bytes at or above it would bias the first characters of the alphabet.
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Creates a new API key secret. Shown once to its owner, then only its hash is kept. */
export function generateKey(): string {
  return KEY_PREFIX + randomBase62(KEY_RANDOM_LENGTH);
}

/** True when `value` has the shape of a Relay key (cheap check before hashing). */
export function isWellFormedKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/** The part of a key that may be displayed: `sk-relay-AbC123`. */
export function displayPrefix(key: string): string {
  return key.slice(0, KEY_DISPLAY_PREFIX_LENGTH);
}

/**
 * HMAC-SHA-256 of the key under the server's key-hashing secret, hex encoded. A keyed hash, not a
 * plain one, so a leaked database alone does not let anyone test guesses offline.
 */
export function hashKey(key: string, secret: Buffer | string): string {
  return createHmac('sha256', secret).update(key).digest('hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
