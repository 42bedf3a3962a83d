import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { hashKey, isWellFormedKey } from '@proxystacks/shared/keys/key-format';
import type { SnapshotKey } from '@proxystacks/shared/snapshot/config-snapshot';
import type { CompiledSnapshot } from '../snapshot/compiled-snapshot.ts';

/**
 * Finds the key a request's `Authorization: Bearer …` header names, in the in-memory snapshot:
 * one HMAC and one map lookup, no database. Error messages never repeat the key.
 */
export function authenticate(authorization: string, snapshot: CompiledSnapshot, keySecret: string): SnapshotKey {
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
  const key = isWellFormedKey(secret) ? snapshot.keysByHash.get(hashKey(secret, keySecret)) : undefined;
  if (key === undefined) throw new RelayError('invalid_api_key', 'Incorrect API key provided.');
  if (key.status !== 'active') throw new RelayError('api_key_revoked', 'This API key has been revoked.');
  return key;
}
