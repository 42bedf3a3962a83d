import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { systemAudit, writeAudit } from '../audit/audit-trail.ts';
import { loadSetupLinkCommandConfig } from '../config.ts';
import { createDatabase, type Database } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { issueSetupLink, setupUrl } from '../domain/setup-links.ts';
import { inTransaction } from '../domain/transaction.ts';
import { emailSchema } from '../domain/users.ts';
import { embeddedSecretsPath, parseEmbeddedSecrets } from './embedded-secrets.ts';

/**
 * `relay setup-link <email>`: a fresh one-time set-up link for a user (the owner whose first
 * link was lost, or anyone locked out of their password), written to the audit trail as
 * SYSTEM. Earlier unused links of the user stop working. Needs the database directly, so for
 * the embedded PGlite `relay start` must be stopped first (it holds the data directory); with
 * Postgres it runs beside the control plane. Returns the lines to print.
 */
export async function runSetupLinkCommand(env: Record<string, string | undefined>, emailArgument: string | undefined): Promise<string[]> {
  const config = loadSetupLinkCommandConfig(env);
  const email = emailSchema.safeParse(emailArgument ?? '');
  if (!email.success) throw new Error('Usage: pnpm relay setup-link <email>  (the email of an existing user)');
  const keySecret = config.keySecret ?? (await embeddedKeySecret(config.dataDir));
  const db = await openDatabase(config.databaseUrl, join(config.dataDir, 'pglite'));
  try {
    await migrateDatabase(db, pino({ level: 'silent' }));
    const issued = await inTransaction(db.prisma, async (tx) => {
      const user = await tx.user.findUnique({ where: { email: email.data } });
      if (!user) return null;
      if (user.disabledAt !== null) throw new Error(`${user.email} is disabled: an owner must enable them first (console, Users).`);
      const { token, link, replaced } = await issueSetupLink(tx, user.id, keySecret);
      await writeAudit(tx, systemAudit(user.orgId, 'setup-link', `cli-${randomUUID()}`), { objectType: 'SetupLink', objectId: link.id, before: null, after: link });
      return { token, link, replaced };
    });
    if (issued === null) throw new Error(`No user with the email ${email.data}.`);
    return [
      `Set-up link for ${email.data} (shown this once, valid until ${issued.link.expiresAt.toISOString()}${issued.replaced > 0 ? '; the earlier unused link no longer works' : ''}):`,
      setupUrl(config.consoleOrigin, issued.token),
    ];
  } finally {
    await db.close();
  }
}

async function embeddedKeySecret(dataDir: string): Promise<string> {
  const path = embeddedSecretsPath(dataDir);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text === null) throw new Error(`No secrets file at ${path}: set RELAY_KEY_SECRET (and DATABASE_URL) as the control plane has them.`);
  return parseEmbeddedSecrets(text, path).keySecret;
}

/** Opens the database; an embedded one held by a running relay gets a message saying what to do. */
async function openDatabase(databaseUrl: string | null, pglitePath: string): Promise<Database> {
  try {
    return await createDatabase({ databaseUrl, pglitePath });
  } catch (err) {
    if (databaseUrl === null && /in use by another relay process/.test((err as Error).message)) {
      throw new Error(
        `${(err as Error).message.replace(/\s*Stop it first.*$/, '')} Stop \`relay start\`, run this command, then start it again; or, while it runs, have an owner issue the link from the console (Users).`,
      );
    }
    throw err;
  }
}
