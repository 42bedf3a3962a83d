import type { LedgerAccount, LedgerAccountKind, Prisma } from '../generated/prisma/client.ts';
import { bumpConfigRevision } from '../domain/config-revision.ts';
import { InputError } from '../domain/input-error.ts';
import { isUuid } from '../domain/input-schemas.ts';

/** What a customer (prepaid) account belongs to. */
export type AccountScope = 'ORGANIZATION' | 'TEAM' | 'PROJECT';

/** The organisation's counter-accounts: where request spend, top-ups, adjustments and credit codes are booked against. */
export type CounterAccountKind = Extract<LedgerAccountKind, 'PROVIDER_SPEND' | 'TOP_UPS' | 'ADJUSTMENTS' | 'CREDIT_CODES'>;

/** The customer account kinds: the ones data planes see as funding accounts. */
export const CUSTOMER_ACCOUNT_KINDS = ['ORGANIZATION', 'TEAM', 'PROJECT'] as const satisfies readonly LedgerAccountKind[];

/**
 * The `scope_id` an account of `scope` is stored under: the team's or project's id, '' for the
 * organisation's own account (the unique index (org, kind, scope_id) then holds one per org).
 */
export function accountScopeId(scope: AccountScope, scopeId: string): string {
  return scope === 'ORGANIZATION' ? '' : scopeId;
}

/**
 * The account of (org, kind, scope id), created when missing. `created` says whether this call
 * made it: creating a customer account changes the snapshot's funding accounts, so callers
 * bump the config revision (see {@link ensureCustomerAccount}). Concurrent callers both end up
 * with the one row (INSERT … ON CONFLICT DO NOTHING, then read).
 */
export async function ensureAccount(
  tx: Prisma.TransactionClient,
  orgId: string,
  kind: LedgerAccountKind,
  scopeId: string,
): Promise<{ account: LedgerAccount; created: boolean }> {
  const existing = await tx.ledgerAccount.findUnique({ where: { orgId_kind_scopeId: { orgId, kind, scopeId } } });
  if (existing) return { account: existing, created: false };
  const inserted = await tx.ledgerAccount.createManyAndReturn({ data: [{ orgId, kind, scopeId }], skipDuplicates: true });
  const account = inserted[0] ?? (await tx.ledgerAccount.findUniqueOrThrow({ where: { orgId_kind_scopeId: { orgId, kind, scopeId } } }));
  return { account, created: inserted.length > 0 };
}

/** The organisation's counter-account of `kind`, created on first use. */
export async function ensureCounterAccount(tx: Prisma.TransactionClient, orgId: string, kind: CounterAccountKind): Promise<LedgerAccount> {
  return (await ensureAccount(tx, orgId, kind, '')).account;
}

/**
 * The prepaid account of an organisation, or of one of its teams or projects, created on first
 * use (then the config revision is bumped in the same transaction, so data planes learn the new
 * funding account with the next snapshot).
 * @throws InputError NOT_FOUND (param `param`) when the team or project is not in `orgId`.
 */
export async function ensureCustomerAccount(
  tx: Prisma.TransactionClient,
  orgId: string,
  scope: AccountScope,
  scopeId: string,
  param = 'scopeId',
): Promise<LedgerAccount> {
  await assertScopeInOrg(tx, orgId, scope, scopeId, param);
  const { account, created } = await ensureAccount(tx, orgId, scope, accountScopeId(scope, scopeId));
  if (created) await bumpConfigRevision(tx);
  return account;
}

/** Refuses a team or project id that is not one of `orgId`'s (an organisation scope names the org itself). */
async function assertScopeInOrg(tx: Prisma.TransactionClient, orgId: string, scope: AccountScope, scopeId: string, param: string): Promise<void> {
  const found =
    scope === 'ORGANIZATION'
      ? scopeId === orgId
      : isUuid(scopeId) &&
        (scope === 'TEAM'
          ? (await tx.team.count({ where: { id: scopeId, orgId } })) > 0
          : (await tx.project.count({ where: { id: scopeId, orgId } })) > 0);
  if (!found) throw new InputError(`No ${scope.toLowerCase()} with this id in your organization.`, 'NOT_FOUND', param);
}
