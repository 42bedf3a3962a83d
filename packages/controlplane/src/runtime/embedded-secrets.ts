import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { randomBase62 } from '@proxystacks/shared/keys/key-format';

/**
 * Secrets of the embedded mode (`relay start` with no secrets in the environment), generated
 * once and kept in `$RELAY_DATA_DIR/secrets.json` with mode 0600, so restarts keep working
 * keys. The demo key and admin token are printed only by the start that creates them; later
 * starts point at this file instead (terminal scrollback and captured logs keep what is printed). Production sets
 * RELAY_KEY_SECRET, RELAY_MASTER_KEY and RELAY_INTERNAL_TOKEN in the environment instead, and
 * nothing here is written.
 */
const secretsSchema = z.strictObject({
  keySecret: z.string().min(32),
  masterKey: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * Set only while `relay rotate-master-key` runs: the key being retired, kept until every
   * sealed value is re-sealed under masterKey (a start meanwhile opens values under either).
   */
  previousMasterKey: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  internalToken: z.string().min(32),
  adminToken: z.string().nullable(),
  demoKey: z.string().nullable(),
});

export type EmbeddedSecrets = z.infer<typeof secretsSchema>;

const FILE_NAME = 'secrets.json';

/** Path of the secrets file of a data directory. */
export function embeddedSecretsPath(dataDir: string): string {
  return join(dataDir, FILE_NAME);
}

/** Reads the embedded secrets, creating them on first use. */
export async function loadOrCreateEmbeddedSecrets(dataDir: string): Promise<EmbeddedSecrets> {
  const path = join(dataDir, FILE_NAME);
  const existing = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (existing !== null) return parseEmbeddedSecrets(existing, path);
  const created: EmbeddedSecrets = {
    keySecret: randomBase62(48),
    masterKey: randomBytes(32).toString('hex'),
    internalToken: randomBase62(48),
    adminToken: null,
    demoKey: null,
  };
  await saveEmbeddedSecrets(dataDir, created);
  return created;
}

/** Parses the text of a secrets file read from `path` (named in the error, the content never). */
export function parseEmbeddedSecrets(text: string, path: string): EmbeddedSecrets {
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const parsed = secretsSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path} is not a valid Relay secrets file; move it away to start afresh`);
  return parsed.data;
}

/** Writes the secrets file atomically (temp file + rename), readable by its owner only. */
export async function saveEmbeddedSecrets(dataDir: string, secrets: EmbeddedSecrets): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, FILE_NAME);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
}
