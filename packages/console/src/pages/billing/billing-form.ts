/**
 * The billing page's pure parts: what an amount typed in dollars posts (integer micros, by
 * string arithmetic), which prepaid accounts the viewer may post to, how accounts are named,
 * and the ledger filter. No GraphQL and no DOM, so they are unit-tested on their own.
 */
import { can, type ViewerGrants } from '../../auth/permissions.ts';
import { localRangeOf } from '../../lib/local-range.ts';
import type { ScopeTree } from '../../lib/scope-filter.ts';
import { parseDollarsToMicros, type DollarsParse } from '../routing/dollars-to-micros.ts';
import type { LedgerAccountKind, LedgerAccountRow, LedgerFilter, LedgerScope, LedgerTransactionKind } from './billing.graphql.ts';

/** A top-up adds money; an adjustment corrects a balance either way. */
export type PostingKind = 'TOP_UP' | 'ADJUSTMENT';

/** A prepaid account a posting can name: the organisation's, a team's or a project's. */
export interface PostingTarget {
  scope: LedgerScope;
  scopeId: string;
  label: string;
}

/** The organisation as the billing page names it. */
export interface OrganizationName {
  id: string;
  name: string;
}

/** Leading signs an adjustment may carry: ASCII and the typographic minus a spreadsheet copies. */
const SIGN = /^([+\-−])\s*/;

/**
 * A positive amount typed in dollars (a top-up, a credit code's worth) as a micros string:
 * digits and one optional point, at most six decimals, never rounded, never zero.
 * @example parsePositiveDollars('12.50') // { ok: true, micros: '12500000' }
 */
export function parsePositiveDollars(text: string): DollarsParse {
  const parsed = parseDollarsToMicros(text, 'amount');
  return parsed.ok && parsed.micros === '0' ? { ok: false, message: 'The amount must be more than zero.' } : parsed;
}

/**
 * What a top-up or an adjustment typed in dollars posts, as a micros string. A top-up is a
 * positive amount; an adjustment is signed (a leading minus takes money away) and never zero.
 * @example parsePostingAmount('12.50', 'TOP_UP') // { ok: true, micros: '12500000' }
 * @example parsePostingAmount('-0.25', 'ADJUSTMENT') // { ok: true, micros: '-250000' }
 */
export function parsePostingAmount(text: string, kind: PostingKind): DollarsParse {
  const trimmed = text.trim();
  const sign = SIGN.exec(trimmed);
  const negative = sign !== null && sign[1] !== '+';
  if (kind === 'TOP_UP' && negative) return { ok: false, message: 'A top-up adds money; use an adjustment to take money away.' };
  const unsigned = sign === null ? trimmed : trimmed.slice(sign[0].length);
  const parsed = kind === 'TOP_UP' ? parsePositiveDollars(unsigned) : parseDollarsToMicros(unsigned, 'amount');
  if (!parsed.ok) return parsed;
  if (parsed.micros === '0') return { ok: false, message: 'An adjustment cannot be zero.' };
  return { ok: true, micros: negative ? `-${parsed.micros}` : parsed.micros };
}

/**
 * A fresh idempotency key for one opening of a posting dialog. Every send from that opening
 * (a double click, a retry after a lost answer) carries it, so the server posts once; the next
 * opening gets another key, so a deliberate second top-up is not mistaken for a repeat.
 */
export function newIdempotencyKey(random: () => string = () => crypto.randomUUID()): string {
  return `console-${random()}`;
}

/**
 * The prepaid accounts the viewer may post to (`billing:manage`): the organisation's with an
 * organisation grant, and each team (and its projects) the viewer manages billing of.
 */
export function postingTargets(viewer: ViewerGrants, organization: OrganizationName, teams: ScopeTree): PostingTarget[] {
  const targets: PostingTarget[] = [];
  if (can(viewer, 'billing:manage', null)) targets.push({ scope: 'ORGANIZATION', scopeId: organization.id, label: `Organization ${organization.name}` });
  for (const team of teams) {
    if (!can(viewer, 'billing:manage', team.id)) continue;
    targets.push({ scope: 'TEAM', scopeId: team.id, label: `Team ${team.name}` });
    for (const project of team.projects) targets.push({ scope: 'PROJECT', scopeId: project.id, label: `Project ${team.name} / ${project.name}` });
  }
  return targets;
}

const COUNTER_LABELS: Record<Exclude<LedgerAccountKind, LedgerScope>, string> = {
  PROVIDER_SPEND: 'Provider spend',
  TOP_UPS: 'Top-ups',
  ADJUSTMENTS: 'Adjustments',
  CREDIT_CODES: 'Credit codes',
};

/** True for the prepaid accounts of an organisation, team or project (not the counter-accounts). */
export function isCustomerAccount(account: Pick<LedgerAccountRow, 'kind'>): account is Pick<LedgerAccountRow, 'kind'> & { kind: LedgerScope } {
  return account.kind === 'ORGANIZATION' || account.kind === 'TEAM' || account.kind === 'PROJECT';
}

/**
 * An account as people call it: "Team Search", "Project Search / default", "Provider spend".
 * A team or project the viewer cannot see (or that is gone) is named by its id.
 */
export function accountLabel(account: Pick<LedgerAccountRow, 'kind' | 'scopeId'>, organization: OrganizationName | undefined, teams: ScopeTree): string {
  if (!isCustomerAccount(account)) return COUNTER_LABELS[account.kind as keyof typeof COUNTER_LABELS];
  if (account.kind === 'ORGANIZATION') return `Organization ${organization?.name ?? account.scopeId ?? ''}`.trim();
  return scopeLabel(account.kind, account.scopeId, teams);
}

/** "Team Search" / "Project Search / default" for a team or project id, or the kind and id when unknown. */
export function scopeLabel(kind: 'TEAM' | 'PROJECT', id: string | null, teams: ScopeTree): string {
  if (kind === 'TEAM') {
    const team = teams.find((t) => t.id === id);
    return team === undefined ? `Team ${id ?? '?'}` : `Team ${team.name}`;
  }
  for (const team of teams) {
    const project = team.projects.find((p) => p.id === id);
    if (project !== undefined) return `Project ${team.name} / ${project.name}`;
  }
  return `Project ${id ?? '?'}`;
}

/** The ledger filter as typed: an account id, a kind, and `datetime-local` times (blank = any). */
export interface LedgerFilterForm {
  accountId: string;
  kind: LedgerTransactionKind | '';
  from: string;
  to: string;
}

export const EMPTY_LEDGER_FILTER: LedgerFilterForm = Object.freeze({ accountId: '', kind: '', from: '', to: '' });

/** The query's filter from the form: blanks dropped, local times to instants, a backwards range refused. */
export function ledgerFilterOf(form: LedgerFilterForm): { ok: true; filter: LedgerFilter } | { ok: false; message: string } {
  const range = localRangeOf(form.from, form.to);
  if (!range.ok) return range;
  const filter: LedgerFilter = { ...(range.from === undefined ? {} : { from: range.from }), ...(range.to === undefined ? {} : { to: range.to }) };
  if (form.accountId !== '') filter.accountId = form.accountId;
  if (form.kind !== '') filter.kind = form.kind;
  return { ok: true, filter };
}

/** Where the ledger's CSV export is served by the control plane. */
export const LEDGER_CSV_PATH = '/export/ledger.csv';

/**
 * The CSV export of what the ledger view shows: the same account and range (the export has no
 * kind filter, so a kind-filtered view exports every kind of that account and range).
 */
export function ledgerCsvUrl(filter: LedgerFilter): string {
  const params = new URLSearchParams();
  if (filter.from !== undefined) params.set('from', filter.from);
  if (filter.to !== undefined) params.set('to', filter.to);
  if (filter.accountId !== undefined) params.set('account', filter.accountId);
  const query = params.toString();
  return query === '' ? LEDGER_CSV_PATH : `${LEDGER_CSV_PATH}?${query}`;
}

/** The Requests page opened on one request's detail: where a REQUEST posting's request id links to. */
export function requestDetailPath(requestId: string): string {
  return `/requests?id=${encodeURIComponent(requestId)}`;
}
