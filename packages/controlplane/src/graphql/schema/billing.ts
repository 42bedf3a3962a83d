import { adjustBalance, topUp } from '../../ledger/manual-postings.ts';
import { createCreditCode, redeemCreditCode } from '../../ledger/credit-codes.ts';
import { setBillingMode } from '../../ledger/billing-mode.ts';
import type { CreditCode } from '../../generated/prisma/client.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';
import { accountScopeAuth, BillingModeEnum, LedgerScopeEnum, LedgerTransactionRef } from './ledger.ts';

const BalancePostingInput = builder.inputType('BalancePostingInput', {
  description: 'A top-up or an adjustment of a prepaid account.',
  fields: (t) => ({
    scope: t.field({ type: LedgerScopeEnum, required: true }),
    scopeId: t.id({ required: true, description: 'The organisation’s, team’s or project’s id.' }),
    amountMicros: t.field({ type: 'Micros', required: true, description: 'topUp: money added, > 0. adjustBalance: a signed correction, ≠ 0 (negative takes money away).' }),
    memo: t.string({ description: 'Why (up to 500 characters); shown in the ledger.' }),
    idempotencyKey: t.string({ required: true, description: 'Chosen by the client (8–200 printable characters, e.g. a UUID): sent again with the same input, the first posting is returned instead of posting twice.' }),
  }),
});

const CreditCodeRef = builder.objectRef<CreditCode>('CreditCode').implement({
  description: 'A redeemable credit code; only its HMAC is stored, the code itself is shown once, when created.',
  fields: (t) => ({
    id: t.exposeID('id'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the code, to tell codes apart.' }),
    amountMicros: t.expose('amountMicros', { type: 'Micros' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    redeemedAt: t.expose('redeemedAt', { type: 'DateTime', nullable: true }),
    redeemedToAccountId: t.exposeID('redeemedToAccountId', { nullable: true }),
  }),
});

const CreatedCreditCodeRef = builder.objectRef<{ code: string; creditCode: CreditCode }>('CreatedCreditCode').implement({
  fields: (t) => ({
    code: t.exposeString('code', { description: 'The code: shown this once, never again.' }),
    creditCode: t.field({ type: CreditCodeRef, resolve: (created) => created.creditCode }),
  }),
});

const CreateCreditCodeInput = builder.inputType('CreateCreditCodeInput', {
  fields: (t) => ({
    amountMicros: t.field({ type: 'Micros', required: true, description: 'What the code is worth, > 0.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'After this instant the code can no longer be redeemed; absent = never expires.' }),
  }),
});

const RedeemCreditCodeInput = builder.inputType('RedeemCreditCodeInput', {
  fields: (t) => ({
    code: t.string({ required: true }),
    scope: t.field({ type: LedgerScopeEnum, required: true }),
    scopeId: t.id({ required: true, description: 'The organisation’s, team’s or project’s id: whose prepaid account receives the credit.' }),
  }),
});

/** topUp and adjustBalance: the same input, scope check and audit, another posting. */
function balancePostingMutation(name: 'topUp' | 'adjustBalance', post: typeof topUp, description: string): void {
  builder.mutationField(name, (t) =>
    t.field({
      authScopes: (_root, { input }, ctx) => accountScopeAuth(ctx, input.scope, input.scopeId, 'billing:manage'),
      type: LedgerTransactionRef,
      description,
      args: { input: t.arg({ type: BalancePostingInput, required: true }) },
      resolve: async (_root, { input }, ctx, info) => {
        const posted = await post(ctx.prisma, { ...input, scopeId: String(input.scopeId) }, auditOf(ctx, info));
        // A first posting on a scope creates its account: a new funding account for data planes.
        await ctx.deps.onConfigChanged();
        return posted;
      },
    }),
  );
}

balancePostingMutation('topUp', topUp, 'Adds money to the prepaid account of an organisation, team or project (created on first use). Idempotent by `idempotencyKey`; the same key with another input is `idempotency_key_reused`.');
balancePostingMutation('adjustBalance', adjustBalance, 'Corrects a prepaid account by a signed amount (created on first use). Idempotent by `idempotencyKey` like topUp.');

builder.mutationFields((t) => ({
  createCreditCode: t.field({
    authScopes: { org: 'billing:manage' },
    type: CreatedCreditCodeRef,
    description: 'Mints a credit code worth `amountMicros`. The code is in this answer only: store it now.',
    args: { input: t.arg({ type: CreateCreditCodeInput, required: true }) },
    resolve: (_root, { input }, ctx, info) => createCreditCode(ctx.prisma, input, ctx.deps.keySecret, auditOf(ctx, info)),
  }),
  redeemCreditCode: t.field({
    authScopes: (_root, { input }, ctx) => accountScopeAuth(ctx, input.scope, input.scopeId, 'billing:manage'),
    type: LedgerTransactionRef,
    description: 'Redeems a credit code of your organisation into a prepaid account. A code is redeemed once; the same redemption again returns the first posting.',
    args: { input: t.arg({ type: RedeemCreditCodeInput, required: true }) },
    resolve: async (_root, { input }, ctx, info) => {
      const posted = await redeemCreditCode(ctx.prisma, { ...input, scopeId: String(input.scopeId) }, ctx.deps.keySecret, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return posted;
    },
  }),
  setBillingMode: t.field({
    authScopes: { org: 'billing:manage' },
    type: BillingModeEnum,
    description: 'POSTPAID or PREPAID for your organisation; data planes apply it with the next snapshot.',
    args: { mode: t.arg({ type: BillingModeEnum, required: true }) },
    resolve: async (_root, { mode }, ctx, info) => {
      const applied = await setBillingMode(ctx.prisma, mode, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return applied;
    },
  }),
}));
