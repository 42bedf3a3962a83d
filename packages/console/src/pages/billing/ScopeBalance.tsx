import { A } from '@solidjs/router';
import { createQuery } from '@urql/solid';
import { Show, type JSX } from 'solid-js';
import { Money } from '../../components/Money.tsx';
import { BillingOverviewQuery, type LedgerScope } from './billing.graphql.ts';

/**
 * The prepaid balance of one organisation, team or project (derived from the ledger), with a link
 * to its ledger on the Billing page; "no prepaid account yet" before its first posting.
 */
export function ScopeBalance(props: { scope: LedgerScope; scopeId: string; testId: string }): JSX.Element {
  const [overview] = createQuery({ query: BillingOverviewQuery, requestPolicy: 'cache-and-network' });
  const account = () => overview.data?.ledgerAccounts.find((a) => a.kind === props.scope && a.scopeId === props.scopeId);
  return (
    <Show when={overview.data}>
      <p class="scope-balance" data-testid={props.testId}>
        Prepaid balance:{' '}
        <Show when={account()} fallback={<span class="muted">no prepaid account yet</span>}>
          {(found) => (
            <>
              <Money micros={found().balanceMicros} exact /> · <A href={`/billing?account=${encodeURIComponent(found().id)}#ledger`}>ledger</A>
            </>
          )}
        </Show>
      </p>
    </Show>
  );
}
