import { openSecret, sealSecret, sealedKeyId, secretKeyId, type SecretKeyring } from '@proxystacks/shared/crypto/sealed-secret';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { credentialContext } from './providers.ts';
import { inTransaction } from './transaction.ts';

/** What {@link rotateMasterKey} did: values sealed again under the current key, and values that already were. */
export interface MasterKeyRotationResult {
  resealed: number;
  alreadyCurrent: number;
}

/**
 * Seals every value sealed at rest again under `keyring.current`, in ONE transaction: either all
 * of them move to the new key or (any value fails to open, the database goes away) none does, and
 * the old key still opens everything. Values already under the current key id are left as they
 * are, so running it twice is harmless (`relay rotate-master-key` after an interrupted run).
 *
 * Sealed columns today: Provider.credentialSealed (see prisma/schema.prisma; a new sealed column
 * must be added here). Each row is written only if it still holds the value read, so a provider
 * updated concurrently by a running control plane fails the rotation instead of being overwritten
 * with a stale credential.
 *
 * Kept free of the CLI and of logging so the audit trail can wrap it.
 */
export async function rotateMasterKey(prisma: PrismaClient, keyring: SecretKeyring): Promise<MasterKeyRotationResult> {
  const currentKid = secretKeyId(keyring.current);
  return inTransaction(prisma, async (tx) => {
    const providers = await tx.provider.findMany({
      where: { credentialSealed: { not: null } },
      select: { id: true, credentialSealed: true },
      orderBy: { id: 'asc' },
    });
    let resealed = 0;
    let alreadyCurrent = 0;
    for (const provider of providers) {
      const sealed = provider.credentialSealed!;
      if (sealedKeyId(sealed) === currentKid) {
        alreadyCurrent += 1;
        continue;
      }
      const context = credentialContext(provider.id);
      let plaintext: string;
      try {
        plaintext = openSecret(sealed, keyring, context);
      } catch (err) {
        throw new Error(`The credential of provider ${provider.id} opens under none of the keys given: ${(err as Error).message}`);
      }
      const { count } = await tx.provider.updateMany({
        where: { id: provider.id, credentialSealed: sealed },
        data: { credentialSealed: sealSecret(plaintext, keyring.current, context) },
      });
      if (count !== 1) throw new Error(`Provider ${provider.id} changed during the rotation; nothing was re-sealed. Run the command again.`);
      resealed += 1;
    }
    return { resealed, alreadyCurrent };
  });
}
