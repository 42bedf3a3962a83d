import { z } from 'zod';
import { hashKey, randomBase62 } from '@proxystacks/shared/keys/key-format';
import type { CreditCode, PrismaClient } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { InputError, parseInput } from '../domain/input-error.ts';
import { inTransaction } from '../domain/transaction.ts';
import { ensureCounterAccount, ensureCustomerAccount, type AccountScope } from './accounts.ts';
import { postTransaction, type PostedTransaction } from './post-transaction.ts';

/** What every credit code starts with, so a leaked one is recognisable (secret scanners, logs). */
export const CREDIT_CODE_PREFIX = 'relay-credit-';
/** Random base62 characters after the prefix: ~190 bits, not guessable. */
const CODE_RANDOM_LENGTH = 32;
/** Characters of the code kept in clear to tell codes apart in lists. */
const DISPLAY_PREFIX_LENGTH = CREDIT_CODE_PREFIX.length + 6;

const createSchema = z.object({
  amountMicros: z.bigint().refine((v) => v > 0n && v <= BigInt(Number.MAX_SAFE_INTEGER), `must be from 1 to ${Number.MAX_SAFE_INTEGER}`),
  expiresAt: z.date().nullable(),
});

/**
 * Mints a credit code worth `amountMicros`: the code is returned here once; only its HMAC (under
 * the key-hashing secret, as for API keys) and a display prefix are stored. Audited.
 */
export async function createCreditCode(
  prisma: PrismaClient,
  input: { amountMicros: bigint; expiresAt?: Date | null },
  keySecret: string,
  audit: AuditContext,
  now = new Date(),
): Promise<{ code: string; creditCode: CreditCode }> {
  const { amountMicros, expiresAt } = parseInput(createSchema, { amountMicros: input.amountMicros, expiresAt: input.expiresAt ?? null });
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) throw new InputError('`expiresAt` must be in the future.', 'BAD_USER_INPUT', 'expiresAt');
  const code = `${CREDIT_CODE_PREFIX}${randomBase62(CODE_RANDOM_LENGTH)}`;
  const creditCode = await inTransaction(prisma, async (tx) => {
    const row = await tx.creditCode.create({ data: { orgId: audit.orgId, codeHash: hashKey(code, keySecret), prefix: code.slice(0, DISPLAY_PREFIX_LENGTH), amountMicros, expiresAt } });
    await writeAudit(tx, audit, { objectType: 'CreditCode', objectId: row.id, before: null, after: row });
    return row;
  });
  return { code, creditCode };
}

/**
 * Redeems a credit code of the caller's organisation into a prepaid account (created on first
 * use): the account +X, CREDIT_CODES −X, idempotency key `credit-code:<code id>`. A code is
 * redeemed once: the same redemption again (same account) returns the first posting; into
 * another account, or expired, or unknown, it is refused. Audited.
 * @throws InputError NOT_FOUND for an unknown code (or one of another organisation), BAD_USER_INPUT when spent or expired.
 */
export async function redeemCreditCode(
  prisma: PrismaClient,
  input: { code: string; scope: AccountScope; scopeId: string },
  keySecret: string,
  audit: AuditContext,
  now = new Date(),
): Promise<PostedTransaction> {
  const codeHash = hashKey(input.code.trim(), keySecret);
  return inTransaction(prisma, async (tx) => {
    const code = await tx.creditCode.findUnique({ where: { codeHash } });
    if (code === null || code.orgId !== audit.orgId) throw new InputError('No such credit code in your organization.', 'NOT_FOUND', 'code');
    const account = await ensureCustomerAccount(tx, audit.orgId, input.scope, input.scopeId);
    const posting = {
      orgId: audit.orgId,
      kind: 'CREDIT_REDEMPTION' as const,
      idempotencyKey: `credit-code:${code.id}`,
      occurredAt: now,
      memo: `credit code ${code.prefix}…`,
      actor: audit.actor,
      entries: [
        { accountId: account.id, amountMicros: code.amountMicros },
        { accountId: (await ensureCounterAccount(tx, audit.orgId, 'CREDIT_CODES')).id, amountMicros: -code.amountMicros },
      ],
    };
    if (code.redeemedAt !== null) {
      if (code.redeemedToAccountId !== account.id) throw new InputError('This credit code was already redeemed.', 'BAD_USER_INPUT', 'code');
      return (await postTransaction(tx, posting)).transaction;
    }
    if (code.expiresAt !== null && code.expiresAt.getTime() <= now.getTime()) throw new InputError('This credit code has expired.', 'BAD_USER_INPUT', 'code');
    // Claimed by a conditional update: of two concurrent redemptions only one finds it unredeemed.
    const claimed = await tx.creditCode.updateMany({ where: { id: code.id, redeemedAt: null }, data: { redeemedAt: now, redeemedToAccountId: account.id } });
    if (claimed.count === 0) throw new InputError('This credit code was already redeemed.', 'BAD_USER_INPUT', 'code');
    const { transaction } = await postTransaction(tx, posting);
    const after = await tx.creditCode.findUniqueOrThrow({ where: { id: code.id } });
    await writeAudit(tx, audit, { objectType: 'CreditCode', objectId: code.id, before: code, after });
    await writeAudit(tx, audit, { objectType: 'LedgerTransaction', objectId: transaction.id, before: null, after: transaction });
    return transaction;
  });
}
