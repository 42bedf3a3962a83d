import { Show, type JSX } from 'solid-js';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Money } from '../../components/Money.tsx';
import type { LedgerAccountRow } from './billing.graphql.ts';
import type { PostingTarget } from './billing-form.ts';

/** An account as the table shows it: its name, and the target a posting on it names (customer accounts only). */
export interface AccountView {
  account: LedgerAccountRow;
  label: string;
  /** Set when the viewer may top up or adjust this account. */
  target: PostingTarget | null;
}

/** Props of {@link AccountsTable}. */
export interface AccountsTableProps {
  caption: string;
  accounts: readonly AccountView[];
  emptyText: string;
  testId: string;
  onShowLedger(accountId: string): void;
  onPost(target: PostingTarget): void;
}

/** Accounts with their derived balances; a row opens its ledger, and a writer tops it up or adjusts it. */
export function AccountsTable(props: AccountsTableProps): JSX.Element {
  const columns: Column<AccountView>[] = [
    { id: 'account', header: 'Account', cell: (a) => a.label },
    { id: 'balance', header: 'Balance', align: 'end', cell: (a) => <span data-testid={`balance-${a.account.id}`}><Money micros={a.account.balanceMicros} exact /></span> },
    {
      id: 'actions',
      header: 'Actions',
      cell: (a) => (
        <div class="row-actions">
          <button type="button" class="button button-small" onClick={() => props.onShowLedger(a.account.id)} data-testid={`show-ledger-${a.account.id}`}>
            Ledger
          </button>
          <Show when={a.target}>
            {(target) => (
              <button type="button" class="button button-small" onClick={() => props.onPost(target())} data-testid={`post-to-${a.account.id}`}>
                Top up or adjust
              </button>
            )}
          </Show>
        </div>
      ),
    },
  ];
  return <DataTable caption={props.caption} columns={columns} rows={props.accounts} emptyText={props.emptyText} rowTestId={(a) => `account-row-${a.account.id}`} testId={props.testId} />;
}
