import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { InputError } from '../domain/input-error.ts';
import { isUuid } from '../domain/input-schemas.ts';
import type { VisibleTeams } from '../domain/visible-teams.ts';
import { accountScopeId, type AccountScope } from './accounts.ts';
import type { LedgerTransactionKind, PostedTransaction } from './post-transaction.ts';
import { visibleAccountFilter } from './visible-accounts.ts';

/** Page sizes {@link listLedgerTransactions} accepts; larger pages are refused, never clamped. */
export const LEDGER_PAGE_LIMIT = { min: 1, max: 500, default: 100 } as const;

/** Which transactions to list; the fields combine (AND). `[from, to)` is half-open on occurredAt. */
export interface LedgerTransactionFilter {
  accountId?: string | null;
  /** The prepaid account of an organisation, team or project. */
  scope?: { scope: AccountScope; scopeId: string } | null;
  kind?: LedgerTransactionKind | null;
  requestId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** One page, newest first; `nextCursor` is null on the last page. */
export interface LedgerTransactionPage {
  transactions: PostedTransaction[];
  nextCursor: string | null;
}

/**
 * Ledger transactions of `orgId` with their entries, newest first by (occurredAt, id), keyset
 * paged: a page starts strictly after the cursor's position, so postings arriving meanwhile never
 * shift later pages. A caller with team grants only sees transactions touching an account they
 * may read (visible-accounts.ts).
 * @throws InputError naming `first`, `after` or the filter field that is malformed.
 */
export async function listLedgerTransactions(
  prisma: PrismaClient,
  orgId: string,
  visible: VisibleTeams,
  filter: LedgerTransactionFilter,
  page: { first?: number | null; after?: string | null },
): Promise<LedgerTransactionPage> {
  const first = checkLedgerPageSize(page.first);
  const conditions: Prisma.LedgerTransactionWhereInput[] = [{ orgId }];
  if (visible !== 'all') conditions.push({ entries: { some: { account: await visibleAccountFilter(prisma, orgId, visible) } } });
  if (filter.accountId != null) conditions.push({ entries: { some: { accountId: isUuid(filter.accountId) ? filter.accountId : { in: [] } } } });
  if (filter.scope != null) {
    const { scope, scopeId } = filter.scope;
    conditions.push({ entries: { some: { account: { orgId, kind: scope, scopeId: accountScopeId(scope, scopeId) } } } });
  }
  if (filter.kind != null) conditions.push({ kind: filter.kind });
  if (filter.requestId != null) conditions.push({ requestId: filter.requestId.slice(0, 200) });
  if (filter.from && filter.to && filter.from.getTime() >= filter.to.getTime()) throw new InputError('`filter.from` must be before `filter.to`.', 'BAD_USER_INPUT', 'filter.from');
  if (filter.from || filter.to) conditions.push({ occurredAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } });
  if (page.after != null) {
    const cursor = decodeLedgerCursor(page.after);
    conditions.push({ OR: [{ occurredAt: { lt: cursor.at } }, { occurredAt: cursor.at, id: { lt: cursor.id } }] });
  }
  // One row past the page tells whether another page exists, without a count query.
  const rows = await prisma.ledgerTransaction.findMany({
    where: { AND: conditions },
    orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
    take: first + 1,
    include: { entries: { orderBy: { id: 'asc' } } },
  });
  const transactions = rows.slice(0, first);
  const last = transactions.at(-1);
  return { transactions, nextCursor: rows.length > first && last !== undefined ? encodeLedgerCursor(last) : null };
}

/**
 * The page size to use: `first`, or the default when absent.
 * @throws InputError naming `first` when it is outside {@link LEDGER_PAGE_LIMIT}.
 */
export function checkLedgerPageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return LEDGER_PAGE_LIMIT.default;
  if (!Number.isInteger(first) || first < LEDGER_PAGE_LIMIT.min || first > LEDGER_PAGE_LIMIT.max) {
    throw new InputError(`\`first\` must be a whole number from ${LEDGER_PAGE_LIMIT.min} to ${LEDGER_PAGE_LIMIT.max}.`, 'BAD_USER_INPUT', 'first');
  }
  return first;
}

/** The opaque cursor of a transaction: its position in the (occurredAt, id) order. */
function encodeLedgerCursor(row: { occurredAt: Date; id: string }): string {
  return Buffer.from(`ledger:${row.occurredAt.toISOString()}|${row.id}`, 'utf8').toString('base64url');
}

function decodeLedgerCursor(cursor: string): { at: Date; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^ledger:([^|]+)\|(.+)$/.exec(text);
  const at = match ? new Date(match[1]!) : null;
  if (!match || at === null || Number.isNaN(at.getTime()) || !isUuid(match[2]!)) {
    throw new InputError('`after` must be the `nextCursor` of a previous page.', 'BAD_USER_INPUT', 'after');
  }
  return { at, id: match[2]! };
}
