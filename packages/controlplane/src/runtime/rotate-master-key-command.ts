import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { createKeyring, generateSecretKey, parseSecretKey, secretKeyId, type SecretKeyring } from '@proxystacks/shared/crypto/sealed-secret';
import { loadMasterKeyRotationConfig } from '../config.ts';
import { createDatabase, type Database } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { rotateMasterKey, type MasterKeyRotationResult } from '../domain/master-key-rotation.ts';
import { embeddedSecretsPath, parseEmbeddedSecrets, saveEmbeddedSecrets, type EmbeddedSecrets } from './embedded-secrets.ts';

/**
 * `relay rotate-master-key`: re-seals every credential at rest under a new master key and
 * returns what to print (counts and key ids, never a key).
 *
 * - Embedded secrets (no RELAY_MASTER_KEY in the environment): generates the new key. The
 *   secrets file first gets the new key with the old one kept as `previousMasterKey`, then the
 *   re-seal commits, then the old key is dropped from the file (each write atomic: temp file +
 *   rename). Interrupted anywhere, a start opens everything, and running the command again
 *   finishes the same rotation instead of starting another one. Refused while `relay start`
 *   holds the data directory: it would keep sealing under the old key.
 * - External secrets: the new key is RELAY_MASTER_KEY, the old one RELAY_MASTER_KEY_PREVIOUS;
 *   the operator distributes them, so the command only re-seals and says what comes next.
 */
export async function runMasterKeyRotation(env: Record<string, string | undefined>): Promise<string[]> {
  const config = loadMasterKeyRotationConfig(env);
  const db = await openDatabase(config.databaseUrl, join(config.dataDir, 'pglite'));
  try {
    await migrateDatabase(db, pino({ level: 'silent' }));
    if (config.masterKey !== null) {
      const keyring = createKeyring(config.masterKey, [config.previousMasterKey]);
      const result = await rotateMasterKey(db.prisma, keyring);
      return [
        ...describe(result, keyring),
        'Next: run every control plane with RELAY_MASTER_KEY set to the new key and RELAY_MASTER_KEY_PREVIOUS to the old one,',
        'then, once all control planes run the new key, remove RELAY_MASTER_KEY_PREVIOUS and restart them.',
      ];
    }
    return await rotateEmbedded(db, config.dataDir);
  } finally {
    await db.close();
  }
}

async function rotateEmbedded(db: Database, dataDir: string): Promise<string[]> {
  const secrets = await readEmbeddedSecrets(dataDir);
  const resuming = secrets.previousMasterKey !== undefined;
  const staged: EmbeddedSecrets = resuming
    ? secrets
    : { ...secrets, masterKey: generateSecretKey().toString('hex'), previousMasterKey: secrets.masterKey };
  if (!resuming) await saveEmbeddedSecrets(dataDir, staged);
  const keyring = createKeyring(parseSecretKey(staged.masterKey, 'masterKey'), [parseSecretKey(staged.previousMasterKey!, 'previousMasterKey')]);
  const result = await rotateMasterKey(db.prisma, keyring);
  const { previousMasterKey: _retired, ...done } = staged;
  await saveEmbeddedSecrets(dataDir, done);
  return [
    ...(resuming ? ['Finishing the master key rotation an earlier run started.'] : []),
    ...describe(result, keyring),
    `The new key is in ${embeddedSecretsPath(dataDir)}; the previous one has been removed from it.`,
  ];
}

function describe(result: MasterKeyRotationResult, keyring: SecretKeyring): string[] {
  return [
    `Master key rotated to key id ${secretKeyId(keyring.current)}.`,
    `Credentials re-sealed: ${result.resealed}; already under the new key: ${result.alreadyCurrent}.`,
  ];
}

/** Opens the database; an embedded one held by a running relay gets a message saying what to do. */
async function openDatabase(databaseUrl: string | null, pglitePath: string): Promise<Database> {
  try {
    return await createDatabase({ databaseUrl, pglitePath });
  } catch (err) {
    if (databaseUrl === null && /in use by another relay process/.test((err as Error).message)) {
      throw new Error(
        `${(err as Error).message.replace(/\s*Stop it first.*$/, '')} Stop \`relay start\` before rotating the master key, then start it again afterwards.`,
      );
    }
    throw err;
  }
}

async function readEmbeddedSecrets(dataDir: string): Promise<EmbeddedSecrets> {
  const path = embeddedSecretsPath(dataDir);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text === null) {
    throw new Error(`No secrets file at ${path}: set RELAY_MASTER_KEY (new) and RELAY_MASTER_KEY_PREVIOUS (old) to rotate keys kept outside Relay.`);
  }
  return parseEmbeddedSecrets(text, path);
}
