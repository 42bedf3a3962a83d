import { hashKey } from '@proxystacks/shared/keys/key-format';
import type { CompiledSnapshot, KeySecretEntry } from '../snapshot/compiled-snapshot.ts';

/** What a presented secret resolves to: its HMAC and the snapshot's entry for it (undefined: unknown). */
export interface KeyLookup {
  readonly hash: string;
  readonly entry: KeySecretEntry | undefined;
}

/**
 * Hard cap on cached secrets per snapshot. Only secrets that open a key of the snapshot are
 * cached, so the cache never holds more than the snapshot's key entries anyway; the cap keeps
 * a huge snapshot from doubling its memory through the cache.
 */
export const KNOWN_KEY_CACHE_MAX_ENTRIES = 65_536;

interface SnapshotCache {
  /** The HMAC secret the entries were computed under (a process has one; a different one bypasses the cache). */
  readonly keySecret: string;
  readonly bySecret: Map<string, KeyLookup>;
}

/**
 * One cache per compiled snapshot, so a new snapshot (a revocation, a rotation, a deleted key)
 * starts from nothing at once: the old snapshot's cache is dropped with it (weakly held).
 */
const caches = new WeakMap<CompiledSnapshot, SnapshotCache>();

/**
 * The snapshot entry a presented secret opens, with the HMAC computed once per secret and
 * snapshot rather than on every request (the HMAC was ~6 µs of a request's CPU).
 *
 * Only secrets that open a key are cached: a flood of random well-formed keys costs one HMAC
 * each, as before, and no memory. The entry is returned as the snapshot has it; whether it may
 * be used now (its rotation grace, the key's status and expiry) is still decided on every
 * request by the caller. The cache holds presented secrets in memory for the snapshot's life,
 * as the process already holds every secret it is sent while serving it.
 */
export function lookupKey(secret: string, snapshot: CompiledSnapshot, keySecret: string): KeyLookup {
  let cache = caches.get(snapshot);
  if (cache === undefined) {
    cache = { keySecret, bySecret: new Map() };
    caches.set(snapshot, cache);
  }
  const sameSecret = cache.keySecret === keySecret;
  if (sameSecret) {
    const hit = cache.bySecret.get(secret);
    if (hit !== undefined) return hit;
  }
  const hash = hashKey(secret, keySecret);
  const lookup: KeyLookup = { hash, entry: snapshot.keysByHash.get(hash) };
  if (sameSecret && lookup.entry !== undefined && cache.bySecret.size < KNOWN_KEY_CACHE_MAX_ENTRIES) cache.bySecret.set(secret, lookup);
  return lookup;
}

/** Secrets cached for a snapshot (tests: memory stays bounded). */
export function cachedKeyCount(snapshot: CompiledSnapshot): number {
  return caches.get(snapshot)?.bySecret.size ?? 0;
}
