import { randomUUID } from 'node:crypto';
import type { LedgerEntry, LedgerTransaction, Prisma } from '../generated/prisma/client.ts';
import { InputError } from '../domain/input-error.ts';

/** What a ledger transaction records; REQUEST postings come from events, the others from admins. */
export type LedgerTransactionKind = 'REQUEST' | 'TOP_UP' | 'ADJUSTMENT' | 'CREDIT_REDEMPTION';

/** One side of a posting: signed micro-units on one account. */
export interface PostingEntry {
  accountId: string;
  amountMicros: bigint;
}

/** A balanced posting, before it is written. */
export interface Posting {
  orgId: string;
  kind: LedgerTransactionKind;
  /** `request:<id>`, `top-up:<client key>`, `adjustment:<client key>`, `credit-code:<code id>`. */
  idempotencyKey: string;
  occurredAt: Date;
  memo?: string;
  /** Who posted it (manual postings); absent for request postings. */
  actor?: { type: string; id: string };
  entries: readonly PostingEntry[];
}

/** A transaction with its entries, as posted. */
export type PostedTransaction = LedgerTransaction & { entries: LedgerEntry[] };

/**
 * Writes a balanced posting once. The idempotency key is unique in the table, so a second post
 * with the same key finds the first (`created: false`); if that one says something else
 * (another kind, memo, account or amount) the caller reused a key by mistake and gets
 * `idempotency_key_reused` instead of a silent no-op. The entries' sum is checked here and again
 * by the database's deferred trigger at commit.
 * @throws InputError `idempotency_key_reused`
 */
export async function postTransaction(tx: Prisma.TransactionClient, posting: Posting): Promise<{ transaction: PostedTransaction; created: boolean }> {
  assertBalanced(posting.entries);
  const id = randomUUID();
  const inserted = await tx.ledgerTransaction.createManyAndReturn({
    data: [
      {
        id,
        orgId: posting.orgId,
        idempotencyKey: posting.idempotencyKey,
        kind: posting.kind,
        occurredAt: posting.occurredAt,
        memo: posting.memo ?? '',
        actorType: posting.actor?.type ?? '',
        actorId: posting.actor?.id ?? '',
      },
    ],
    skipDuplicates: true,
  });
  if (inserted.length === 0) {
    const existing = await tx.ledgerTransaction.findUniqueOrThrow({ where: { idempotencyKey: posting.idempotencyKey }, include: { entries: true } });
    if (!samePosting(existing, posting)) {
      throw new InputError('This idempotency key was already used for a different posting; use a new key for a new posting.', 'idempotency_key_reused', 'idempotencyKey');
    }
    return { transaction: existing, created: false };
  }
  await tx.ledgerEntry.createMany({
    data: posting.entries.map((entry) => ({ transactionId: id, accountId: entry.accountId, amountMicros: entry.amountMicros, occurredAt: posting.occurredAt })),
  });
  await checkBalancedNow(tx);
  const transaction = await tx.ledgerTransaction.findUniqueOrThrow({ where: { id }, include: { entries: { orderBy: { id: 'asc' } } } });
  return { transaction, created: true };
}

/** Refuses an empty or unbalanced posting, or one with a zero entry, before the database does. */
export function assertBalanced(entries: readonly PostingEntry[]): void {
  if (entries.length < 2) throw new Error('a ledger posting needs at least two entries');
  if (entries.some((entry) => entry.amountMicros === 0n)) throw new Error('a ledger entry of zero means nothing: leave it out');
  const total = entries.reduce((sum, entry) => sum + entry.amountMicros, 0n);
  if (total !== 0n) throw new Error(`ledger posting does not balance (entries sum to ${total})`);
}

/** Same org, kind and memo, and the same amount on each account (timestamps and actors may differ on a retry). */
function samePosting(existing: PostedTransaction, posting: Posting): boolean {
  if (existing.orgId !== posting.orgId || existing.kind !== posting.kind || existing.memo !== (posting.memo ?? '')) return false;
  const canonical = (entries: readonly PostingEntry[]) =>
    entries
      .map((entry) => `${entry.accountId}:${entry.amountMicros}`)
      .sort()
      .join(',');
  return canonical(existing.entries) === canonical(posting.entries);
}

/**
 * Runs the database's balance check (a deferred constraint trigger) now, inside the caller's
 * transaction, instead of at COMMIT. An unbalanced posting then fails as an ordinary statement,
 * which every driver reports: pglite-prisma-adapter 0.7 swallows an error raised at COMMIT (its
 * commit() resolves while PGlite rolled back), so a failure there would look like success.
 */
export async function checkBalancedNow(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRawUnsafe('SET CONSTRAINTS "ledger_entry_balanced" IMMEDIATE');
}
