import { A } from '@solidjs/router';
import { For, Show, createSignal, type JSX } from 'solid-js';
import { useSession } from '../../auth/session-context.ts';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { Money } from '../../components/Money.tsx';
import type { CursorPages } from '../../graphql/create-cursor-pages.ts';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import { downloadWithSession } from '../../lib/download-with-session.ts';
import { formatDateTimeSeconds } from '../../lib/format-date.ts';
import type { LedgerFilter, LedgerTransactionKind, LedgerTransactionRow } from './billing.graphql.ts';
import { ledgerCsvUrl, requestDetailPath, type LedgerFilterForm } from './billing-form.ts';

const KIND_LABELS: Record<LedgerTransactionKind, string> = {
  REQUEST: 'Request',
  TOP_UP: 'Top-up',
  ADJUSTMENT: 'Adjustment',
  CREDIT_REDEMPTION: 'Credit code',
};

/** Props of {@link LedgerView}. */
export interface LedgerViewProps {
  /** Accounts the filter offers, with their names. */
  accounts: readonly { id: string; label: string }[];
  /** An account's name by id (an account the viewer cannot list is named by its id). */
  accountLabel(accountId: string): string;
  /** Where a transaction was charged: team and project names. */
  scopeOf(row: LedgerTransactionRow): string;
  /** "provider / model" of a pricing rule, when the viewer can list it. */
  pricingRuleName(ruleId: string): string | null;
  /** May the viewer open the Requests page (requests:read)? Otherwise request ids are plain text. */
  canOpenRequests: boolean;
  form: LedgerFilterForm;
  onFormChange(form: LedgerFilterForm): void;
  /** The filter in force (what the table and the CSV link show). */
  filter: LedgerFilter;
  onApply(): void;
  /** Reads the ledger and the balances again. */
  onRefresh(): void;
  formError: ErrorDescription | null;
  pages: CursorPages<LedgerTransactionRow>;
}

/**
 * The ledger: transactions newest first with their balanced entries, filtered by account, kind and
 * time, a page at a time. A REQUEST posting links to its request and names the pricing rule and
 * version that priced it; the CSV export downloads the same account and range with this session.
 */
export function LedgerView(props: LedgerViewProps): JSX.Element {
  const session = useSession();
  const [downloading, setDownloading] = createSignal(false);
  const [downloadError, setDownloadError] = createSignal<ErrorDescription | null>(null);
  const field = (name: keyof LedgerFilterForm) => (event: { currentTarget: { value: string } }) => props.onFormChange({ ...props.form, [name]: event.currentTarget.value });
  const download = async (): Promise<void> => {
    setDownloading(true);
    setDownloadError(await downloadWithSession(ledgerCsvUrl(props.filter), session.credentials(), 'ledger.csv'));
    setDownloading(false);
  };

  const columns: Column<LedgerTransactionRow>[] = [
    { id: 'occurred', header: 'When', cell: (t) => <time datetime={t.occurredAt}>{formatDateTimeSeconds(t.occurredAt)}</time> },
    { id: 'kind', header: 'Kind', cell: (t) => KIND_LABELS[t.kind] },
    {
      id: 'entries',
      header: 'Entries',
      cell: (t) => (
        <ul class="ledger-entries">
          <For each={t.entries}>
            {(entry) => (
              <li data-account={entry.accountId}>
                <span>{props.accountLabel(entry.accountId)}</span> <Money micros={entry.amountMicros} exact />
              </li>
            )}
          </For>
        </ul>
      ),
    },
    { id: 'scope', header: 'Charged to', cell: (t) => props.scopeOf(t) },
    { id: 'source', header: 'Source', cell: (t) => <TransactionSource row={t} canOpenRequests={props.canOpenRequests} pricingRuleName={props.pricingRuleName} /> },
    { id: 'memo', header: 'Memo', cell: (t) => (t.memo === '' ? <span class="muted">—</span> : t.memo) },
  ];

  return (
    <section class="panel" aria-labelledby="ledger-title" id="ledger" data-testid="ledger">
      <h2 id="ledger-title">Ledger</h2>
      <form
        class="form form-inline"
        novalidate
        aria-label="Filter the ledger"
        onSubmit={(event) => {
          event.preventDefault();
          props.onApply();
        }}
        data-testid="ledger-filter"
      >
        <div class="field">
          <label for="ledger-account">Account</label>
          <select id="ledger-account" onChange={field('accountId')} data-testid="ledger-account">
            <option value="" selected={props.form.accountId === ''}>
              All accounts
            </option>
            <For each={props.accounts}>{(a) => <option value={a.id} selected={a.id === props.form.accountId}>{a.label}</option>}</For>
          </select>
        </div>
        <div class="field">
          <label for="ledger-kind">Kind</label>
          <select id="ledger-kind" onChange={field('kind')} data-testid="ledger-kind">
            <option value="" selected={props.form.kind === ''}>
              Any
            </option>
            <For each={Object.entries(KIND_LABELS)}>{([kind, label]) => <option value={kind} selected={kind === props.form.kind}>{label}</option>}</For>
          </select>
        </div>
        <div class="field">
          <label for="ledger-from">From</label>
          <input id="ledger-from" type="datetime-local" value={props.form.from} onInput={field('from')} data-testid="ledger-from" />
        </div>
        <div class="field">
          <label for="ledger-to">To</label>
          <input id="ledger-to" type="datetime-local" value={props.form.to} onInput={field('to')} data-testid="ledger-to" />
        </div>
        <button type="submit" class="button button-primary" data-testid="ledger-apply">
          Apply
        </button>
        <button type="button" class="button" onClick={() => props.onRefresh()} disabled={props.pages.fetching()} data-testid="ledger-refresh">
          Refresh
        </button>
        <button type="button" class="button" onClick={() => void download()} disabled={downloading()} data-testid="ledger-csv">
          {downloading() ? 'Downloading…' : 'Download CSV'}
        </button>
        <ErrorBanner error={props.formError} testId="ledger-filter-error" />
      </form>
      <ErrorBanner error={downloadError()} testId="ledger-csv-error" />
      <ErrorBanner error={props.pages.error()} testId="ledger-error" />
      <Show when={props.pages.rows()} fallback={<Show when={props.pages.error() === null}><Loading label="Loading the ledger…" /></Show>}>
        {(rows) => (
          <>
            <DataTable caption="Transactions, newest first; each one's entries sum to zero" columns={columns} rows={rows()} emptyText="No transactions match." rowTestId={(t) => `ledger-row-${t.id}`} testId="ledger-table" />
            <Show when={props.pages.hasMore()}>
              <button type="button" class="button" onClick={() => void props.pages.loadMore()} disabled={props.pages.loadingMore()} data-testid="ledger-load-more">
                {props.pages.loadingMore() ? 'Loading…' : 'Load more'}
              </button>
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}

/** What a transaction traces back to: a request (linked) and its pricing rule, or who posted it. */
function TransactionSource(props: { row: LedgerTransactionRow; canOpenRequests: boolean; pricingRuleName(ruleId: string): string | null }): JSX.Element {
  return (
    <Show when={props.row.requestId} fallback={<span class="muted">{props.row.actorType === null ? props.row.idempotencyKey : `by ${props.row.actorType.toLowerCase()}`}</span>}>
      {(requestId) => (
        <div class="ledger-source">
          <Show when={props.canOpenRequests} fallback={<code class="request-id">{requestId()}</code>}>
            <A href={requestDetailPath(requestId())} class="request-id" data-testid={`ledger-request-${requestId()}`}>
              {requestId()}
            </A>
          </Show>
          <Show when={props.row.pricingRuleId}>
            {(ruleId) => (
              <span class="muted" title={`Pricing rule ${ruleId()}`} data-testid="ledger-pricing">
                priced by {props.pricingRuleName(ruleId()) ?? `rule ${ruleId().slice(0, 8)}`} v{props.row.pricingRuleVersion ?? '?'}
              </span>
            )}
          </Show>
        </div>
      )}
    </Show>
  );
}
