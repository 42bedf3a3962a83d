import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { displayPrefix, isWellFormedKey } from '@proxystacks/shared/keys/key-format';
import type { CompiledKey, CompiledSnapshot } from '../snapshot/compiled-snapshot.ts';
import { lookupKey } from './known-key-cache.ts';

/** Hex digits of the presented secret's HMAC kept in events to trace an unknown key. */
export const KEY_HASH_ID_LENGTH = 16;

/**
 * What a request presented, for its event, also when it is refused: an admin can then see
 * which key (or which unknown secret) was turned away. Never the secret itself.
 */
export interface PresentedKeyTrace {
  /** The key the secret opens, usable or not; null when it opens none. */
  key: CompiledKey | null;
  /** Display prefix of the presented secret (`sk-relay-AbC123`); '' when none was sent or it is not shaped like a key. */
  keyPrefix: string;
  /** First {@link KEY_HASH_ID_LENGTH} hex digits of the secret's HMAC (never reversible without the server's key secret); '' like keyPrefix. */
  keyHashId: string;
}

/**
 * Finds the key a request's `Authorization: Bearer …` header names, in the in-memory snapshot
 * (one HMAC, cached per snapshot for known keys: known-key-cache.ts; one map lookup; no
 * database), and refuses it unless it may be used now:
 * `invalid_api_key` (unknown, or a previous secret whose rotation grace is over),
 * `api_key_revoked`, `api_key_disabled`, `api_key_expired` — checked in that order, so a
 * revoked key never looks as if re-enabling it would help. Expiries are checked against
 * `nowMs` on every request, not when the snapshot was built.
 *
 * `trace` (the request record) is filled before any refusal. A token that is not shaped like
 * a Relay key leaves its prefix and hash id empty: arbitrary client bytes are not stored.
 * Error messages never repeat the key.
 */
export function authenticate(authorization: string, snapshot: CompiledSnapshot, keySecret: string, trace?: PresentedKeyTrace, nowMs = Date.now()): CompiledKey {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (match === null) {
    throw new RelayError(
      'unauthenticated',
      "You didn't provide an API key. Send it in the Authorization header: 'Authorization: Bearer sk-relay-…'.",
    );
  }
  const secret = match[1]!;
  // No secret is compared here: the key's HMAC (under a secret the caller does not know) is a
  // map lookup, so timing tells nothing about any stored key (see shared/crypto/constant-time.ts for real comparisons).
  if (!isWellFormedKey(secret)) throw new RelayError('invalid_api_key', 'Incorrect API key provided.');
  const { hash, entry } = lookupKey(secret, snapshot, keySecret);
  const key = entry === undefined || (entry.validUntil !== null && nowMs >= entry.validUntil) ? null : entry.key;
  if (trace !== undefined) {
    trace.key = key;
    trace.keyPrefix = displayPrefix(secret);
    trace.keyHashId = hash.slice(0, KEY_HASH_ID_LENGTH);
  }
  if (key === null) throw new RelayError('invalid_api_key', 'Incorrect API key provided.');
  if (key.status === 'revoked') throw new RelayError('api_key_revoked', 'This API key has been revoked.');
  if (key.status === 'disabled') throw new RelayError('api_key_disabled', 'This API key has been disabled. Ask an administrator of your organisation to enable it.');
  if (key.expiresAt !== null && nowMs >= key.expiresAt) throw new RelayError('api_key_expired', 'This API key has expired.');
  return key;
}
