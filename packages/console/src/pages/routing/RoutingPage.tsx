import { createQuery } from '@urql/solid';
import { Show, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { describeError } from '../../graphql/describe-error.ts';
import { can } from '../../auth/permissions.ts';
import { useViewer } from '../../auth/use-viewer.ts';
import { environmentNamesOf } from '../../lib/environment-names.ts';
import { formatDateTime } from '../../lib/format-date.ts';
import { AddAliasForm } from './AddAliasForm.tsx';
import { AddPriceForm } from './AddPriceForm.tsx';
import { AddProviderForm } from './AddProviderForm.tsx';
import { AddRouteDialog } from './AddRouteDialog.tsx';
import { CredentialDialog } from './CredentialDialog.tsx';
import { PendingConfirmDialog } from './PendingConfirmDialog.tsx';
import { ProviderEnvironmentsDialog } from './ProviderEnvironmentsDialog.tsx';
import { ModelAliasesTable, PricingRulesTable, ProvidersTable } from './RoutingTables.tsx';
import { createRoutingActions } from './routing-actions.ts';
import { RoutingPageQuery } from './routing.graphql.ts';
import { useDeploymentHealth } from './use-deployment-health.ts';

// With nothing listed yet the cached result names no Provider, ModelAlias or PricingRule, so a
// create would not invalidate it; naming the types makes every such mutation refetch the page.
const ROUTING_CONTEXT = { additionalTypenames: ['Provider', 'ModelAlias', 'ModelRoute', 'PricingRule'] };

/** What the data planes route with (snapshot, providers, aliases, prices) and the forms that change it. */
export function RoutingPage(): JSX.Element {
  const [routing, refetch] = createQuery({ query: RoutingPageQuery, context: ROUTING_CONTEXT, requestPolicy: 'cache-and-network' });
  const refresh = (): void => refetch({ requestPolicy: 'network-only' });
  const actions = createRoutingActions(refresh);
  const healthOf = useDeploymentHealth();
  const viewer = useViewer();
  // Providers, aliases and prices are organization config: only an org grant with config:write changes them.
  const canWrite = (): boolean => can(viewer(), 'config:write', null);
  const providers = () => routing.data?.providers ?? [];
  // Names of the visible projects' environments, and any a route or provider already uses.
  const environments = (): string[] => {
    const data = routing.data;
    if (data === undefined) return environmentNamesOf([]);
    const inUse = [...data.providers.flatMap((p) => p.enabledEnvironments), ...data.modelAliases.flatMap((a) => a.routes.flatMap((r) => (r.environment === null ? [] : [r.environment])))];
    return environmentNamesOf(data.teams, inUse);
  };
  const upstreamModels = () => [...new Set((routing.data?.modelAliases ?? []).flatMap((a) => a.routes.map((r) => r.upstreamModel)))].sort();

  return (
    <section class="page" aria-labelledby="routing-title">
      <h1 id="routing-title">Routing</h1>
      <div class="toolbar">
        <p class="lead">
          Providers, model aliases and prices. Every change is published to the data planes as a new configuration
          snapshot.
        </p>
        <button type="button" class="button" onClick={refresh} disabled={routing.fetching} data-testid="refresh-routing">
          Refresh
        </button>
      </div>
      <ErrorBanner error={routing.error === undefined ? null : describeError(routing.error)} testId="routing-error" />
      <Show when={routing.data} fallback={<Show when={routing.error === undefined}><Loading label="Loading routing…" /></Show>}>
        {(data) => (
          <>
            <dl class="facts" data-testid="snapshot-info">
              <dt>Config snapshot</dt>
              <dd data-testid="snapshot-version">version {data().configSnapshot.version}</dd>
              <dt>Hash</dt>
              <dd>
                <code title={data().configSnapshot.hash}>{data().configSnapshot.hash.slice(0, 16)}</code>
              </dd>
              <dt>Built</dt>
              <dd>{formatDateTime(data().configSnapshot.createdAt)}</dd>
            </dl>

            <section class="routing-section" aria-labelledby="providers-title">
              <h2 id="providers-title">Providers</h2>
              <Show when={canWrite()}>
                <AddProviderForm presets={data().providerPresets} busy={actions.createProvider.busy()} error={actions.createProvider.error()} onCreate={(input) => actions.createProvider.run({ input })} />
              </Show>
              <ProvidersTable
                canWrite={canWrite()}
                providers={data().providers}
                onRotate={actions.askRotate}
                onRemoveCredential={actions.askRemoveCredential}
                onEditEnvironments={actions.askLimit}
              />
            </section>

            <section class="routing-section" aria-labelledby="aliases-title">
              <h2 id="aliases-title">Model aliases</h2>
              <Show when={canWrite()}>
                <AddAliasForm
                  providers={data().providers}
                  environments={environments()}
                  busy={actions.createAlias.busy()}
                  error={actions.createAlias.error()}
                  onCreate={(input) => actions.createAlias.run({ input })}
                />
              </Show>
              <ModelAliasesTable
                canWrite={canWrite()}
                aliases={data().modelAliases}
                onAddRoute={actions.askAddRoute}
                onRemoveRoute={actions.askRemoveRoute}
                healthOf={healthOf}
              />
            </section>

            <section class="routing-section" aria-labelledby="prices-title">
              <h2 id="prices-title">Prices</h2>
              <Show when={canWrite()}>
                <AddPriceForm
                  providers={data().providers}
                  models={upstreamModels()}
                  busy={actions.createPrice.busy()}
                  error={actions.createPrice.error()}
                  onCreate={(input) => actions.createPrice.run({ input })}
                />
              </Show>
              <PricingRulesTable rules={data().pricingRules} />
            </section>
          </>
        )}
      </Show>
      {/* The write dialogs exist only for callers who may write: nothing to open for the rest. */}
      <Show when={canWrite()}>
        <CredentialDialog
          target={actions.rotating()}
          busy={actions.rotateBusy()}
          error={actions.rotateError()}
          onRotate={(credential) => void actions.confirmRotate(credential)}
          onCancel={actions.cancelRotate}
        />
        <AddRouteDialog
          target={actions.addingRouteTo()}
          providers={providers()}
          environments={environments()}
          busy={actions.addRouteBusy()}
          error={actions.addRouteError()}
          onAdd={(input) => void actions.confirmAddRoute(input)}
          onCancel={actions.cancelAddRoute}
        />
        <ProviderEnvironmentsDialog
          target={actions.limiting()}
          environments={environments()}
          busy={actions.limitBusy()}
          error={actions.limitError()}
          onSave={(names) => void actions.confirmLimit(names)}
          onCancel={actions.cancelLimit}
        />
        <PendingConfirmDialog
          pending={actions.pending()}
          busy={actions.pendingBusy()}
          error={actions.pendingError()}
          onConfirm={() => void actions.confirmPending()}
          onCancel={actions.cancelPending}
        />
      </Show>
    </section>
  );
}
