import { useSearchParams } from '@solidjs/router';
import { createQuery } from '@urql/solid';
import { Show, createMemo, createSignal, type JSX } from 'solid-js';
import { can, canSomewhere } from '../../auth/permissions.ts';
import { useViewer } from '../../auth/use-viewer.ts';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { createCursorPages } from '../../graphql/create-cursor-pages.ts';
import { createSubmission } from '../../graphql/create-submission.ts';
import { describeError, type ErrorDescription } from '../../graphql/describe-error.ts';
import { TeamTreeQuery } from '../teams/teams.graphql.ts';
import { AccountsTable, type AccountView } from './AccountsTable.tsx';
import { BalancePostingDialog } from './BalancePostingDialog.tsx';
import { BillingModeSection } from './BillingModeSection.tsx';
import { CreditCodesSection } from './CreditCodesSection.tsx';
import { LedgerView } from './LedgerView.tsx';
import {
  AdjustBalanceMutation,
  BillingOverviewQuery,
  LedgerTransactionsQuery,
  PricingRuleNamesQuery,
  TopUpMutation,
  type BalancePostingInput,
  type LedgerFilter,
  type LedgerTransactionRow,
} from './billing.graphql.ts';
import {
  EMPTY_LEDGER_FILTER,
  accountLabel,
  isCustomerAccount,
  ledgerFilterOf,
  postingTargets,
  scopeLabel,
  type LedgerFilterForm,
  type PostingKind,
  type PostingTarget,
} from './billing-form.ts';

/** Transactions per ledger page; "Load more" fetches the next from the cursor. */
const LEDGER_PAGE_SIZE = 50;
// A first posting creates an account, which no cached result names yet: refetch on any of these.
const BILLING_CONTEXT = { additionalTypenames: ['LedgerAccount', 'LedgerTransaction'] };

/**
 * Billing: the organisation's billing mode, balances per scope (derived from the ledger), top-ups
 * and adjustments, credit codes, and the ledger itself. Everyone with spend:read reads it; the
 * write controls appear only where the viewer holds billing:manage.
 */
export function BillingPage(): JSX.Element {
  const viewer = useViewer();
  const [overview, refetchOverview] = createQuery({ query: BillingOverviewQuery, context: BILLING_CONTEXT, requestPolicy: 'cache-and-network' });
  const [tree] = createQuery({ query: TeamTreeQuery });
  const [pricing] = createQuery({ query: PricingRuleNamesQuery });
  // `?account=<id>` (a scope's "ledger" link) opens the ledger on that account.
  const [searchParams] = useSearchParams();
  const linkedAccount = typeof searchParams.account === 'string' && searchParams.account !== '' ? searchParams.account : null;
  const [form, setForm] = createSignal<LedgerFilterForm>(linkedAccount === null ? EMPTY_LEDGER_FILTER : { ...EMPTY_LEDGER_FILTER, accountId: linkedAccount });
  const [filter, setFilter] = createSignal<LedgerFilter>(linkedAccount === null ? {} : { accountId: linkedAccount });
  const [formError, setFormError] = createSignal<ErrorDescription | null>(null);
  const pages = createCursorPages({
    query: LedgerTransactionsQuery,
    variables: () => ({ filter: filter(), first: LEDGER_PAGE_SIZE }),
    pageOf: (data) => ({ rows: data.ledgerTransactions.transactions, nextCursor: data.ledgerTransactions.nextCursor }),
    context: BILLING_CONTEXT,
  });
  const refresh = (): void => {
    refetchOverview({ requestPolicy: 'network-only' });
    pages.refetch();
  };

  const teams = () => tree.data?.teams ?? [];
  const organization = () => overview.data?.organization;
  const targets = createMemo((): PostingTarget[] => {
    const org = organization();
    return org === undefined ? [] : postingTargets(viewer(), org, teams());
  });
  const accounts = createMemo((): AccountView[] =>
    (overview.data?.ledgerAccounts ?? []).map((account) => {
      const target = isCustomerAccount(account) ? (targets().find((t) => t.scope === account.kind && t.scopeId === account.scopeId) ?? null) : null;
      return { account, label: accountLabel(account, organization(), teams()), target };
    }),
  );
  const labels = createMemo(() => new Map(accounts().map((a) => [a.account.id, a.label])));
  const pricingNames = createMemo(() => new Map((pricing.data?.pricingRules ?? []).map((r) => [r.id, `${r.provider.name} / ${r.model}`])));
  const scopeOf = (row: LedgerTransactionRow): string => {
    if (row.projectId !== null) return scopeLabel('PROJECT', row.projectId, teams());
    if (row.teamId !== null) return scopeLabel('TEAM', row.teamId, teams());
    return '—';
  };

  const [posting, setPosting] = createSignal<{ initial: PostingTarget | null } | null>(null);
  const topUp = createSubmission(TopUpMutation, 'The top-up was not posted.', refresh);
  const adjust = createSubmission(AdjustBalanceMutation, 'The adjustment was not posted.', refresh);
  const post = async (kind: PostingKind, input: BalancePostingInput): Promise<void> => {
    const submission = kind === 'TOP_UP' ? topUp : adjust;
    (kind === 'TOP_UP' ? adjust : topUp).clearError();
    if (await submission.run({ input })) setPosting(null);
  };
  const openPosting = (initial: PostingTarget | null): void => {
    topUp.clearError();
    adjust.clearError();
    setPosting({ initial });
  };

  const showLedgerOf = (accountId: string): void => {
    setForm({ ...EMPTY_LEDGER_FILTER, accountId });
    setFormError(null);
    setFilter({ accountId });
    document.getElementById('ledger')?.scrollIntoView({ block: 'start' });
  };
  const applyFilter = (): void => {
    const checked = ledgerFilterOf(form());
    if (!checked.ok) return void setFormError({ message: checked.message, code: null });
    setFormError(null);
    setFilter(checked.filter);
  };

  return (
    <section class="page" aria-labelledby="billing-title">
      <h1 id="billing-title">Billing</h1>
      <p class="lead">
        Balances are the sum of the ledger's entries, never a stored counter. Every request with a cost is posted once, to its
        project's account if it has one, else its team's, else the organization's. Amounts are in US dollars; hover one for
        its exact micro-dollars.
      </p>
      <ErrorBanner error={overview.error === undefined ? null : describeError(overview.error)} testId="billing-error" />
      <Show when={overview.data} fallback={<Show when={overview.error === undefined}><Loading label="Loading balances…" /></Show>}>
        {(data) => (
          <>
            <BillingModeSection mode={data().organization.billingMode} canSwitch={can(viewer(), 'billing:manage', null)} onChanged={refresh} />
            <section class="panel" aria-labelledby="balances-title" data-testid="balances">
              <div class="panel-header">
                <h2 id="balances-title">Balances</h2>
                <Show when={targets().length > 0}>
                  <button type="button" class="button button-primary" onClick={() => openPosting(null)} data-testid="open-posting">
                    Top up or adjust
                  </button>
                </Show>
              </div>
              <AccountsTable
                caption="Prepaid accounts of the organization, teams and projects"
                accounts={accounts().filter((a) => isCustomerAccount(a.account))}
                emptyText="No prepaid account yet: the first top-up, adjustment or redeemed code on a scope opens its account."
                testId="customer-accounts"
                onShowLedger={showLedgerOf}
                onPost={openPosting}
              />
              <Show when={accounts().some((a) => !isCustomerAccount(a.account))}>
                <AccountsTable
                  caption="Counter-accounts (where the money came from or went)"
                  accounts={accounts().filter((a) => !isCustomerAccount(a.account))}
                  emptyText=""
                  testId="counter-accounts"
                  onShowLedger={showLedgerOf}
                  onPost={openPosting}
                />
              </Show>
            </section>
            <Show when={canSomewhere(viewer(), 'billing:manage')}>
              <CreditCodesSection canCreate={can(viewer(), 'billing:manage', null)} targets={targets()} onRedeemed={refresh} />
            </Show>
          </>
        )}
      </Show>
      <LedgerView
        accounts={accounts().map((a) => ({ id: a.account.id, label: a.label }))}
        accountLabel={(id) => labels().get(id) ?? `account ${id.slice(0, 8)}`}
        scopeOf={scopeOf}
        pricingRuleName={(id) => pricingNames().get(id) ?? null}
        canOpenRequests={canSomewhere(viewer(), 'requests:read')}
        form={form()}
        onFormChange={setForm}
        filter={filter()}
        onApply={applyFilter}
        onRefresh={refresh}
        formError={formError()}
        pages={pages}
      />
      <BalancePostingDialog
        open={posting() !== null}
        targets={targets()}
        initial={posting()?.initial ?? null}
        busy={topUp.busy() || adjust.busy()}
        error={topUp.error() ?? adjust.error()}
        onSubmit={(kind, input) => void post(kind, input)}
        onCancel={() => setPosting(null)}
      />
    </section>
  );
}
