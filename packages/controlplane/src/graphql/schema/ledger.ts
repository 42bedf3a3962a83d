import type { LedgerAccount, LedgerEntry } from '../../generated/prisma/client.ts';
import { BillingMode, LedgerAccountKind } from '../../generated/prisma/enums.ts';
import { teamsWith } from '../../auth/roles.ts';
import { objectTeam } from '../../auth/object-team.ts';
import type { AccountScope } from '../../ledger/accounts.ts';
import { accountBalances } from '../../ledger/balances.ts';
import { LEDGER_PAGE_LIMIT, listLedgerTransactions } from '../../ledger/ledger-transactions-query.ts';
import type { PostedTransaction } from '../../ledger/post-transaction.ts';
import { listLedgerAccounts } from '../../ledger/visible-accounts.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';

export const LedgerAccountKindEnum = builder.enumType(LedgerAccountKind, {
  name: 'LedgerAccountKind',
  description:
    'ORGANIZATION, TEAM, PROJECT: prepaid (customer) accounts; a request draws on its project’s account if it has one, else its team’s, else its organisation’s. PROVIDER_SPEND, TOP_UPS, ADJUSTMENTS, CREDIT_CODES: the organisation’s counter-accounts.',
});
export const BillingModeEnum = builder.enumType(BillingMode, {
  name: 'BillingMode',
  description: 'POSTPAID: spend is recorded, never stopped by a balance. PREPAID: a funding account at or below zero stops requests like a hard budget.',
});
export const LedgerScopeEnum = builder.enumType('LedgerScope', {
  description: 'What a prepaid account belongs to.',
  values: { ORGANIZATION: {}, TEAM: {}, PROJECT: {} } as const,
});
export const LedgerTransactionKindEnum = builder.enumType('LedgerTransactionKind', {
  values: {
    REQUEST: { description: 'A priced request: its funding account −cost, PROVIDER_SPEND +cost.' },
    TOP_UP: { description: 'Money added by an admin: the account +X, TOP_UPS −X.' },
    ADJUSTMENT: { description: 'A signed correction by an admin: the account ±a, ADJUSTMENTS ∓a.' },
    CREDIT_REDEMPTION: { description: 'A credit code redeemed: the account +X, CREDIT_CODES −X.' },
  } as const,
});

const LedgerAccountRef = builder.objectRef<LedgerAccount & { balanceMicros: bigint }>('LedgerAccount').implement({
  description: 'One ledger account. Its balance is the sum of its entries, computed when read, never stored.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.expose('kind', { type: LedgerAccountKindEnum }),
    scopeId: t.id({
      nullable: true,
      description: 'The team’s or project’s id for TEAM and PROJECT accounts, the organisation’s for ORGANIZATION; null for counter-accounts.',
      resolve: (a) => (a.kind === 'ORGANIZATION' ? a.orgId : a.scopeId === '' ? null : a.scopeId),
    }),
    balanceMicros: t.expose('balanceMicros', { type: 'Micros', description: 'Σ of the account’s entries: money left on a prepaid account (negative once overspent).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const LedgerEntryRef = builder.objectRef<LedgerEntry>('LedgerEntry').implement({
  description: 'One side of a transaction: signed micro-units on one account.',
  fields: (t) => ({
    id: t.id({ resolve: (e) => e.id.toString() }),
    accountId: t.exposeID('accountId'),
    amountMicros: t.expose('amountMicros', { type: 'Micros' }),
  }),
});

const emptyAsNull = (value: string) => (value === '' ? null : value);

export const LedgerTransactionRef = builder.objectRef<PostedTransaction>('LedgerTransaction').implement({
  description: 'A balanced group of entries (they sum to zero), posted once per idempotency key and never changed.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: LedgerTransactionKindEnum, resolve: (tx) => tx.kind as 'REQUEST' }),
    idempotencyKey: t.exposeString('idempotencyKey', { description: '`request:<request id>`, `top-up:<client key>`, `adjustment:<client key>`, `credit-code:<code id>`.' }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime', description: 'When the request arrived (REQUEST), or when the posting was made.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    memo: t.exposeString('memo'),
    requestId: t.id({ nullable: true, description: 'The request a REQUEST posting debits (its x-request-id).', resolve: (tx) => emptyAsNull(tx.requestId) }),
    pricingRuleId: t.id({ nullable: true, resolve: (tx) => tx.pricingRuleId }),
    pricingRuleVersion: t.int({ nullable: true, resolve: (tx) => tx.pricingRuleVersion }),
    teamId: t.id({ nullable: true, resolve: (tx) => emptyAsNull(tx.teamId) }),
    projectId: t.id({ nullable: true, resolve: (tx) => emptyAsNull(tx.projectId) }),
    environmentId: t.id({ nullable: true, resolve: (tx) => emptyAsNull(tx.environmentId) }),
    keyId: t.id({ nullable: true, resolve: (tx) => emptyAsNull(tx.keyId) }),
    actorType: t.string({ nullable: true, description: '`USER` or `TOKEN` for manual postings; null for request postings.', resolve: (tx) => emptyAsNull(tx.actorType) }),
    actorId: t.id({ nullable: true, resolve: (tx) => emptyAsNull(tx.actorId) }),
    entries: t.field({ type: [LedgerEntryRef], resolve: (tx) => tx.entries }),
  }),
});

const LedgerTransactionPageRef = builder.objectRef<{ transactions: PostedTransaction[]; nextCursor: string | null }>('LedgerTransactionPage').implement({
  description: 'A page of ledger transactions, newest first.',
  fields: (t) => ({
    transactions: t.field({ type: [LedgerTransactionRef], resolve: (page) => page.transactions }),
    nextCursor: t.exposeString('nextCursor', { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' }),
  }),
});

const LedgerTransactionFilterInput = builder.inputType('LedgerTransactionFilter', {
  description: 'Narrows the ledger; the fields combine (AND).',
  fields: (t) => ({
    accountId: t.id({ description: 'Transactions with an entry on this account.' }),
    scope: t.field({ type: LedgerScopeEnum, description: 'With `scopeId`: transactions on that organisation’s, team’s or project’s prepaid account.' }),
    scopeId: t.id(),
    kind: t.field({ type: LedgerTransactionKindEnum }),
    requestId: t.string({ description: 'The REQUEST posting of one request.' }),
    from: t.field({ type: 'DateTime', description: 'Occurred at or after this instant.' }),
    to: t.field({ type: 'DateTime', description: 'Occurred before this instant.' }),
  }),
});

/**
 * authScopes of a field that targets a prepaid account: `permission` on the team owning the
 * scope (a team, or a project's team); an ORGANIZATION scope needs an organisation grant.
 */
export async function accountScopeAuth(ctx: GraphQLContext, scope: AccountScope, scopeId: unknown, permission: 'billing:manage') {
  const lookup = scope === 'TEAM' ? objectTeam.team : scope === 'PROJECT' ? objectTeam.project : null;
  const teamId = lookup === null ? null : await lookup(ctx.prisma, ctx.principal.orgId, String(scopeId));
  return { team: { permission, teamId } };
}

builder.queryFields((t) => ({
  ledgerAccounts: t.field({
    authScopes: { anyTeam: 'spend:read' },
    type: [LedgerAccountRef],
    description: 'Ledger accounts you may read, with their balances: every account of the organisation with an organisation grant; the prepaid accounts of your teams and their projects otherwise.',
    resolve: async (_root, _args, ctx) => {
      const accounts = await listLedgerAccounts(ctx.prisma, ctx.principal.orgId, teamsWith(ctx.principal, 'spend:read'));
      const balances = await accountBalances(ctx.prisma, accounts.map((a) => a.id));
      return accounts.map((a) => ({ ...a, balanceMicros: balances.get(a.id) ?? 0n }));
    },
  }),
  ledgerTransactions: t.field({
    authScopes: { anyTeam: 'spend:read' },
    type: LedgerTransactionPageRef,
    description: 'Ledger transactions with their entries, newest first; with team grants only, those touching your teams’ and projects’ accounts.',
    args: {
      filter: t.arg({ type: LedgerTransactionFilterInput }),
      first: t.arg.int({ description: `Page size, ${LEDGER_PAGE_LIMIT.min}–${LEDGER_PAGE_LIMIT.max} (default ${LEDGER_PAGE_LIMIT.default}).` }),
      after: t.arg.string({ description: '`nextCursor` of the previous page.' }),
    },
    resolve: (_root, args, ctx) => {
      const filter = args.filter ?? {};
      const scope = filter.scope != null && filter.scopeId != null ? { scope: filter.scope, scopeId: String(filter.scopeId) } : null;
      return listLedgerTransactions(
        ctx.prisma,
        ctx.principal.orgId,
        teamsWith(ctx.principal, 'spend:read'),
        {
          accountId: filter.accountId == null ? null : String(filter.accountId),
          scope,
          kind: filter.kind ?? null,
          requestId: filter.requestId ?? null,
          from: filter.from ?? null,
          to: filter.to ?? null,
        },
        { first: args.first, after: args.after },
      );
    },
  }),
}));
