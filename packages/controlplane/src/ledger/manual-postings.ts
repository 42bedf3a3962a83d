import { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { parseInput } from '../domain/input-error.ts';
import { inTransaction } from '../domain/transaction.ts';
import { ensureCounterAccount, ensureCustomerAccount, type AccountScope } from './accounts.ts';
import { postTransaction, type PostedTransaction } from './post-transaction.ts';

/** Largest single top-up or adjustment: 2^53 − 1 micros (about $9 billion), exact in every client. */
const MAX_MANUAL_MICROS = BigInt(Number.MAX_SAFE_INTEGER);

const manualSchema = z.object({
  scope: z.enum(['ORGANIZATION', 'TEAM', 'PROJECT']),
  scopeId: z.string().min(1),
  amountMicros: z.bigint(),
  memo: z.string().max(500, 'must be at most 500 characters').default(''),
  idempotencyKey: z
    .string()
    .min(8, 'must be at least 8 characters (a UUID is a good key)')
    .max(200, 'must be at most 200 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
});

/** A top-up or adjustment as an admin asks for it. */
export interface ManualPostingInput {
  scope: AccountScope;
  /** The organisation's, team's or project's id. */
  scopeId: string;
  /** Top-up: > 0. Adjustment: ≠ 0, signed (negative takes money away). */
  amountMicros: bigint;
  memo?: string | null;
  /** Chosen by the client; the same key again returns the first posting instead of posting twice. */
  idempotencyKey: string;
}

/**
 * Adds money to a prepaid account (created on first use): the account +X, TOP_UPS −X. Audited in
 * the same transaction. Retried with the same key and content, it returns the first posting.
 * @throws InputError naming the bad field; `idempotency_key_reused` for a key used for another posting.
 */
export function topUp(prisma: PrismaClient, input: ManualPostingInput, audit: AuditContext): Promise<PostedTransaction> {
  return postManual(prisma, input, audit, 'TOP_UP');
}

/**
 * Corrects a prepaid account by a signed amount: the account ±a, ADJUSTMENTS ∓a. Audited; idempotent like {@link topUp}.
 * @throws InputError naming the bad field; `idempotency_key_reused` for a key used for another posting.
 */
export function adjustBalance(prisma: PrismaClient, input: ManualPostingInput, audit: AuditContext): Promise<PostedTransaction> {
  return postManual(prisma, input, audit, 'ADJUSTMENT');
}

async function postManual(prisma: PrismaClient, raw: ManualPostingInput, audit: AuditContext, kind: 'TOP_UP' | 'ADJUSTMENT'): Promise<PostedTransaction> {
  const input = parseInput(
    manualSchema.refine((value) => (kind === 'TOP_UP' ? value.amountMicros > 0n : value.amountMicros !== 0n) && abs(value.amountMicros) <= MAX_MANUAL_MICROS, {
      message: kind === 'TOP_UP' ? `must be from 1 to ${MAX_MANUAL_MICROS}` : `must not be 0 and at most ${MAX_MANUAL_MICROS} either way`,
      path: ['amountMicros'],
    }),
    { ...raw, memo: raw.memo ?? '' },
  );
  return inTransaction(prisma, async (tx) => {
    const account = await ensureCustomerAccount(tx, audit.orgId, input.scope, input.scopeId);
    const counter = await ensureCounterAccount(tx, audit.orgId, kind === 'TOP_UP' ? 'TOP_UPS' : 'ADJUSTMENTS');
    const { transaction, created } = await postTransaction(tx, {
      orgId: audit.orgId,
      kind,
      idempotencyKey: `${kind === 'TOP_UP' ? 'top-up' : 'adjustment'}:${input.idempotencyKey}`,
      occurredAt: new Date(),
      memo: input.memo,
      actor: audit.actor,
      entries: [
        { accountId: account.id, amountMicros: input.amountMicros },
        { accountId: counter.id, amountMicros: -input.amountMicros },
      ],
    });
    if (created) await writeAudit(tx, audit, { objectType: 'LedgerTransaction', objectId: transaction.id, before: null, after: transaction });
    return transaction;
  });
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}
