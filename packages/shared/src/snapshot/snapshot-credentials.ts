import { createKeyring, deriveSecretKey, openSecret, sealSecret, type SealedSecret, type SecretKey, type SecretKeyring } from '../crypto/sealed-secret.ts';

/**
 * Provider credentials travel inside config snapshots sealed under a key derived from the
 * plane-to-plane token, so neither the HTTP body nor the data plane's on-disk copy holds them
 * in clear. The provider id is bound as associated data: a credential moved onto another
 * provider entry fails to open.
 */
export function snapshotCredentialKey(internalToken: string): SecretKey {
  return deriveSecretKey(internalToken, 'snapshot-credentials');
}

/**
 * The snapshot credential keys of a data plane during a token rotation: sealed values under the
 * current or the previous token's key both open (RELAY_INTERNAL_TOKEN_PREVIOUS).
 */
export function snapshotCredentialKeyring(internalToken: string, previousInternalToken: string | null = null): SecretKeyring {
  return createKeyring(
    snapshotCredentialKey(internalToken),
    previousInternalToken === null ? [] : [snapshotCredentialKey(previousInternalToken)],
  );
}

/** Seals a provider credential for a snapshot (control plane side). */
export function sealSnapshotCredential(plaintext: string, key: SecretKey, providerId: string): SealedSecret {
  return sealSecret(plaintext, key, `snapshot-provider:${providerId}`);
}

/** Opens a provider credential from a snapshot (data plane side, once per snapshot swap). */
export function openSnapshotCredential(sealed: string, key: SecretKey | SecretKeyring, providerId: string): string {
  return openSecret(sealed, key, `snapshot-provider:${providerId}`);
}
