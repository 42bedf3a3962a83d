import type { LedgerAccount } from '../generated/prisma/client.ts';
import { formatMicrosAsDollars } from './format-micros.ts';
import type { PostedTransaction } from './post-transaction.ts';

/** The export's columns, one row per entry (a transaction has two or more). */
export const LEDGER_CSV_COLUMNS = [
  'occurred_at',
  'transaction_id',
  'kind',
  'idempotency_key',
  'account_id',
  'account_kind',
  'account_scope_id',
  'amount_micros',
  'amount_dollars',
  'request_id',
  'pricing_rule_id',
  'pricing_rule_version',
  'team_id',
  'project_id',
  'environment_id',
  'key_id',
  'memo',
  'actor_type',
  'actor_id',
] as const;

/** A whole number or a decimal, nothing else: a spreadsheet reads it as a number, never as a formula. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
/** First characters that make a spreadsheet evaluate a cell (OWASP "CSV injection"), tab and CR included. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled.
 * A cell a spreadsheet would run as a formula (starting with = + - @, tab or CR: a memo such as
 * `=HYPERLINK(…)`) gets a leading `'` so it shows as text; plain numbers such as a negative
 * amount keep their sign and stay numbers.
 */
export function csvCell(value: string | number | bigint | null): string {
  if (value === null) return '';
  let text = String(value);
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header line. */
export function ledgerCsvHeader(): string {
  return `${LEDGER_CSV_COLUMNS.join(',')}\r\n`;
}

/** The lines of one transaction, one per entry, CRLF-terminated. */
export function ledgerCsvRows(transaction: PostedTransaction, accounts: ReadonlyMap<string, LedgerAccount>): string {
  return transaction.entries
    .map((entry) => {
      const account = accounts.get(entry.accountId);
      const cells = [
        transaction.occurredAt.toISOString(),
        transaction.id,
        transaction.kind,
        transaction.idempotencyKey,
        entry.accountId,
        account?.kind ?? '',
        account === undefined ? '' : account.kind === 'ORGANIZATION' ? account.orgId : account.scopeId,
        entry.amountMicros,
        formatMicrosAsDollars(entry.amountMicros),
        transaction.requestId,
        transaction.pricingRuleId,
        transaction.pricingRuleVersion,
        transaction.teamId,
        transaction.projectId,
        transaction.environmentId,
        transaction.keyId,
        transaction.memo,
        transaction.actorType,
        transaction.actorId,
      ];
      return `${cells.map(csvCell).join(',')}\r\n`;
    })
    .join('');
}
