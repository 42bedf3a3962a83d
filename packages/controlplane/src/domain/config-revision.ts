import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

/** The one row of `config_revision`. */
const REVISION_ID = 1;

/** Told of every revision this process bumps to (see {@link onConfigRevisionBump}). */
type BumpListener = (revision: bigint) => void;
const bumpListeners = new Set<BumpListener>();

/**
 * Calls `listener` with each revision this process bumps the counter to, as the bump is written:
 * before its transaction commits (the change is not visible yet, and may still roll back).
 * Returns the unsubscribe function. A snapshot publisher on a database no other process can
 * open (PGlite) reads the revision only after such a bump, instead of polling it for ever.
 */
export function onConfigRevisionBump(listener: BumpListener): () => void {
  bumpListeners.add(listener);
  return () => void bumpListeners.delete(listener);
}

/**
 * Adds one to the config revision, inside the caller's transaction, and returns the new value.
 * Every change to what data planes run with (keys, teams, providers, aliases and routes,
 * pricing rules) calls this in the same transaction as the change, so a snapshot publisher
 * that sees revision n also sees every change counted in n.
 * The upsert is an `INSERT … ON CONFLICT DO UPDATE SET version = version + 1`: concurrent
 * bumps serialise on the row lock and none is lost.
 */
export async function bumpConfigRevision(tx: Prisma.TransactionClient): Promise<bigint> {
  const now = new Date();
  const row = await tx.configRevision.upsert({
    where: { id: REVISION_ID },
    create: { id: REVISION_ID, version: 1n, updatedAt: now },
    update: { version: { increment: 1n }, updatedAt: now },
    select: { version: true },
  });
  for (const listener of bumpListeners) listener(row.version);
  return row.version;
}

/** The current config revision; 0 before the first change. */
export async function readConfigRevision(prisma: PrismaClient | Prisma.TransactionClient): Promise<bigint> {
  const row = await prisma.configRevision.findUnique({ where: { id: REVISION_ID }, select: { version: true } });
  return row?.version ?? 0n;
}
