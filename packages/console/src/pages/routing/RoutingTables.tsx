import { For, Show, type JSX } from 'solid-js';
import { DataTable } from '../../components/DataTable.tsx';
import { Money } from '../../components/Money.tsx';
import { formatDateTime } from '../../lib/format-date.ts';
import { PROVIDER_TYPE_LABELS } from './provider-types.ts';
import { AliasCacheCell } from './AliasCacheCell.tsx';
import { DeploymentHealthBadge } from './DeploymentHealthBadge.tsx';
import type { DeploymentHealthRow } from './deployment-health.graphql.ts';
import { ROUTING_STRATEGY_LABELS, type ModelAliasRow, type PricingRuleRow, type ProviderRow } from './routing.graphql.ts';

/** A route of an alias, as the remove action names it. */
export type RouteRow = ModelAliasRow['routes'][number];

/** Providers with their type, endpoint, whether a credential is stored, the environments they serve, and their actions. */
export function ProvidersTable(props: {
  providers: readonly ProviderRow[];
  /** Org config:write: without it the action buttons are not shown (the server would refuse them). */
  canWrite: boolean;
  onRotate(provider: ProviderRow): void;
  onRemoveCredential(provider: ProviderRow): void;
  onEditEnvironments(provider: ProviderRow): void;
}): JSX.Element {
  return (
    <DataTable
      caption="Providers"
      testId="providers-table"
      rows={props.providers}
      rowTestId={(p) => `provider-row-${p.id}`}
      emptyText="No providers configured. Add one above."
      columns={[
        { id: 'name', header: 'Name', cell: (p) => p.name },
        { id: 'type', header: 'Type', cell: (p) => PROVIDER_TYPE_LABELS[p.type] },
        { id: 'base-url', header: 'Base URL', cell: (p) => (p.baseUrl === null ? <span class="muted">Default</span> : <code>{p.baseUrl}</code>) },
        { id: 'credential', header: 'Credential', cell: (p) => (p.hasCredential ? 'Stored (encrypted)' : <span class="muted">None</span>) },
        {
          id: 'environments',
          header: 'Environments',
          cell: (p) => (
            <span data-testid={`provider-environments-${p.id}`}>
              {p.enabledEnvironments.length === 0 ? <span class="muted">All</span> : p.enabledEnvironments.join(', ')}
            </span>
          ),
        },
        { id: 'created', header: 'Created', cell: (p) => formatDateTime(p.createdAt) },
        {
          id: 'actions',
          header: 'Actions',
          cell: (p) => (
            <Show when={props.canWrite}>
              <div class="row-actions">
                <button
                  type="button"
                  class="button button-small"
                  onClick={() => props.onEditEnvironments(p)}
                  aria-label={`Environments of ${p.name}`}
                  data-testid={`edit-provider-environments-${p.id}`}
                >
                  Environments
                </button>
                <button
                  type="button"
                  class="button button-small"
                  onClick={() => props.onRotate(p)}
                  aria-label={`Rotate credential of ${p.name}`}
                  data-testid={`rotate-credential-${p.id}`}
                >
                  {p.hasCredential ? 'Rotate credential' : 'Set credential'}
                </button>
                <Show when={p.hasCredential}>
                  <button
                    type="button"
                    class="button button-small button-danger"
                    onClick={() => props.onRemoveCredential(p)}
                    aria-label={`Remove credential of ${p.name}`}
                    data-testid={`remove-credential-${p.id}`}
                  >
                    Remove credential
                  </button>
                </Show>
              </div>
            </Show>
          ),
        },
      ]}
    />
  );
}

/** Aliases and the provider routes behind each, with add-route and remove-route actions. */
export function ModelAliasesTable(props: {
  aliases: readonly ModelAliasRow[];
  /** Org config:write: without it the action buttons are not shown (the server would refuse them). */
  canWrite: boolean;
  onAddRoute(alias: ModelAliasRow): void;
  onRemoveRoute(alias: ModelAliasRow, route: RouteRow): void;
  /** Each route's health as the data planes report it (undefined = unknown). */
  healthOf(routeId: string): DeploymentHealthRow | undefined;
}): JSX.Element {
  return (
    <DataTable
      caption="Model aliases"
      testId="aliases-table"
      rows={props.aliases}
      rowTestId={(a) => `alias-row-${a.alias}`}
      emptyText="No model aliases configured. Add one above."
      columns={[
        { id: 'alias', header: 'Alias (the model apps send)', cell: (a) => <code>{a.alias}</code> },
        { id: 'strategy', header: 'Strategy', cell: (a) => <span data-testid={`strategy-of-${a.alias}`}>{ROUTING_STRATEGY_LABELS[a.routingStrategy]}</span> },
        { id: 'cache', header: 'Response cache', cell: (a) => <AliasCacheCell alias={a} canWrite={props.canWrite} /> },
        {
          id: 'routes',
          header: 'Routes, by priority',
          cell: (a) => (
            <ol class="route-list">
              <For each={a.routes} fallback={<li class="muted">No routes</li>}>
                {(route) => (
                  <li class="route-item" data-testid={`route-${route.id}`}>
                    <span>
                      {route.provider.name} → <code>{route.upstreamModel}</code>{' '}
                      <span class="muted">
                        (priority {route.priority}, weight {route.weight})
                      </span>{' '}
                      <span class={route.environment === null ? 'badge' : 'badge badge-environment'} data-testid={`environment-of-route-${route.id}`}>
                        {route.environment ?? 'all environments'}
                      </span>{' '}
                      <DeploymentHealthBadge health={props.healthOf(route.id)} testId={`health-of-route-${route.id}`} />
                    </span>
                    <Show when={props.canWrite}>
                      <button
                        type="button"
                        class="button button-small"
                        onClick={() => props.onRemoveRoute(a, route)}
                        aria-label={`Remove route ${route.provider.name} ${route.upstreamModel} from ${a.alias}`}
                        data-testid={`remove-route-${route.id}`}
                      >
                        Remove
                      </button>
                    </Show>
                  </li>
                )}
              </For>
            </ol>
          ),
        },
        { id: 'created', header: 'Created', cell: (a) => formatDateTime(a.createdAt) },
        {
          id: 'actions',
          header: 'Actions',
          cell: (a) => (
            <Show when={props.canWrite}>
              <button
                type="button"
                class="button button-small"
                onClick={() => props.onAddRoute(a)}
                aria-label={`Add route to ${a.alias}`}
                data-testid={`add-route-${a.alias}`}
              >
                Add route
              </button>
            </Show>
          ),
        },
      ]}
    />
  );
}

/** Pricing rules, newest version first, in dollars per million tokens. */
export function PricingRulesTable(props: { rules: readonly PricingRuleRow[] }): JSX.Element {
  return (
    <DataTable
      caption="Prices per million tokens"
      testId="pricing-table"
      rows={props.rules}
      rowTestId={(r) => `price-row-${r.id}`}
      emptyText="No prices configured. Add one above."
      columns={[
        { id: 'provider', header: 'Provider', cell: (r) => r.provider.name },
        { id: 'model', header: 'Upstream model', cell: (r) => <code>{r.model}</code> },
        { id: 'version', header: 'Version', align: 'end', cell: (r) => r.version },
        { id: 'input', header: 'Input', align: 'end', cell: (r) => <Money micros={r.inputMicrosPerMTok} exact /> },
        { id: 'output', header: 'Output', align: 'end', cell: (r) => <Money micros={r.outputMicrosPerMTok} exact /> },
        { id: 'cached', header: 'Cached input', align: 'end', cell: (r) => <Money micros={r.cachedInputMicrosPerMTok} exact /> },
        { id: 'cache-write', header: 'Cache write', align: 'end', cell: (r) => <Money micros={r.cacheWriteMicrosPerMTok} exact /> },
        { id: 'effective', header: 'Effective from', cell: (r) => formatDateTime(r.effectiveFrom) },
      ]}
    />
  );
}
