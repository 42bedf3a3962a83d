import { createQuery } from '@urql/solid';
import { Show, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { describeError } from '../../graphql/describe-error.ts';
import { formatDateTime } from '../../lib/format-date.ts';
import { ModelAliasesTable, PricingRulesTable, ProvidersTable } from './RoutingTables.tsx';
import { RoutingPageQuery } from './routing.graphql.ts';

/** Read-only view of what the data planes route with: snapshot, providers, aliases, prices. */
export function RoutingPage(): JSX.Element {
  const [routing, refetch] = createQuery({ query: RoutingPageQuery, requestPolicy: 'cache-and-network' });
  return (
    <section class="page" aria-labelledby="routing-title">
      <h1 id="routing-title">Routing</h1>
      <div class="toolbar">
        <p class="lead">
          Providers, model aliases and prices, as the control plane publishes them to the data planes. Change them
          through the GraphQL API (<code>/graphql</code>).
        </p>
        <button type="button" class="button" onClick={() => refetch({ requestPolicy: 'network-only' })} disabled={routing.fetching}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={routing.error === undefined ? null : describeError(routing.error)} testId="routing-error" />
      <Show when={routing.data} fallback={<Show when={routing.error === undefined}><Loading label="Loading routing…" /></Show>}>
        {(data) => (
          <>
            <dl class="facts" data-testid="snapshot-info">
              <dt>Config snapshot</dt>
              <dd>version {data().configSnapshot.version}</dd>
              <dt>Hash</dt>
              <dd>
                <code title={data().configSnapshot.hash}>{data().configSnapshot.hash.slice(0, 16)}</code>
              </dd>
              <dt>Built</dt>
              <dd>{formatDateTime(data().configSnapshot.createdAt)}</dd>
            </dl>
            <ModelAliasesTable aliases={data().modelAliases} />
            <ProvidersTable providers={data().providers} />
            <PricingRulesTable rules={data().pricingRules} />
          </>
        )}
      </Show>
    </section>
  );
}
