import { createSnapshot, type ConfigSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import { openSnapshotCredential, sealSnapshotCredential, snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';

/**
 * What a data plane that authenticated with the previous internal token is served during a
 * token rotation: the current snapshot with its credentials sealed again under the previous
 * token's key, the only one such a data plane holds. So the control plane can move to the new
 * token first (accepting both) and data planes follow one by one, none of them ever holding a
 * snapshot it cannot open. The result is cached per snapshot: long polls of many data planes
 * re-seal once per version, and its hash (the ETag) stays stable.
 */
export function createPreviousTokenSnapshots(internalToken: string, previousInternalToken: string): (snapshot: ConfigSnapshot) => ConfigSnapshot {
  const currentKey = snapshotCredentialKey(internalToken);
  const previousKey = snapshotCredentialKey(previousInternalToken);
  let cached: { source: ConfigSnapshot; resealed: ConfigSnapshot } | null = null;
  return (snapshot) => {
    if (cached?.source === snapshot) return cached.resealed;
    const { hash: _hash, schemaVersion: _schemaVersion, ...content } = snapshot;
    const resealed = createSnapshot({
      ...content,
      providers: content.providers.map((p) => ({
        ...p,
        credential:
          p.credential === null ? null : sealSnapshotCredential(openSnapshotCredential(p.credential, currentKey, p.id), previousKey, p.id),
      })),
    });
    cached = { source: snapshot, resealed };
    return resealed;
  };
}
