import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { canSomewhere, teamsWith } from '../auth/roles.ts';
import { InputError } from '../domain/input-error.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { authenticateExport } from '../export/export-auth.ts';
import type { GraphQLDeps } from '../graphql/context.ts';
import { LEDGER_PAGE_LIMIT, listLedgerTransactions, type LedgerTransactionFilter } from './ledger-transactions-query.ts';
import { ledgerCsvHeader, ledgerCsvRows } from './ledger-csv.ts';
import { visibleAccountFilter } from './visible-accounts.ts';

/** Where the ledger's CSV export is served. */
export const LEDGER_CSV_PATH = '/export/ledger.csv';

/** What the export needs: the admin API's authentication inputs and the database. */
export type LedgerCsvDeps = Pick<GraphQLDeps, 'keySecret' | 'auth'> & { prisma: PrismaClient };

/**
 * GET /export/ledger.csv?from=<ISO>&to=<ISO>&account=<account id>: the ledger as CSV, one row per
 * entry, newest transaction first. Authenticated exactly like /graphql (an API token, or a
 * session cookie with its CSRF token) and needing `spend:read`; a team-scoped caller gets the
 * transactions touching their teams' and projects' accounts only, as `ledgerTransactions` shows.
 * Streamed page by page (keyset paging, never the whole ledger in memory), waiting for the
 * socket to drain so a slow client holds at most one page.
 */
export async function exportLedgerCsv(req: IncomingMessage, res: ServerResponse, deps: LedgerCsvDeps): Promise<void> {
  if (req.method !== 'GET') return refuse(res, 405, 'method_not_allowed', 'Use GET.', { allow: 'GET' });
  const principal = await authenticateExport(req, res, deps);
  if (principal === null) return;
  if (!canSomewhere(principal, 'spend:read')) return refuse(res, 403, 'forbidden', 'Your role does not allow this here.');
  let filter: LedgerTransactionFilter;
  try {
    filter = exportFilter(new URL(req.url ?? '/', 'http://relay').searchParams);
  } catch (err) {
    if (err instanceof InputError) return refuse(res, 400, err.code, err.message, {}, err.param);
    throw err;
  }
  const visible = teamsWith(principal, 'spend:read');
  const accounts = new Map((await deps.prisma.ledgerAccount.findMany({ where: await visibleAccountFilter(deps.prisma, principal.orgId, visible) })).map((a) => [a.id, a]));
  res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="ledger.csv"', 'cache-control': 'no-store' });
  res.write(ledgerCsvHeader());
  let after: string | null = null;
  do {
    const page = await listLedgerTransactions(deps.prisma, principal.orgId, visible, filter, { first: LEDGER_PAGE_LIMIT.max, after });
    const text = page.transactions.map((t) => ledgerCsvRows(t, accounts)).join('');
    if (text !== '' && !res.write(text)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    if (res.destroyed) return;
    after = page.nextCursor;
  } while (after !== null);
  res.end();
}

/** `from`, `to` (ISO instants, `[from, to)`) and `account` (an account id), all optional. */
function exportFilter(params: URLSearchParams): LedgerTransactionFilter {
  const time = (name: 'from' | 'to'): Date | null => {
    const value = params.get(name);
    if (value === null) return null;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) throw new InputError(`\`${name}\` must be an ISO-8601 instant.`, 'BAD_USER_INPUT', name);
    return at;
  };
  return { from: time('from'), to: time('to'), accountId: params.get('account') };
}

/** A refusal in the admin API's shape (a GraphQL-style error list), as /graphql answers it. */
function refuse(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}, param: string | null = null): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code, ...(param === null ? {} : { param }) } }] });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(body);
}
