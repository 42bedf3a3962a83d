import { For, type JSX } from 'solid-js';
import { DataTable } from '../../components/DataTable.tsx';
import { Money } from '../../components/Money.tsx';
import { formatDateTime } from '../../lib/format-date.ts';
import type { ModelAliasRow, PricingRuleRow, ProviderRow } from './routing.graphql.ts';

const PROVIDER_TYPE_LABELS: Record<ProviderRow['type'], string> = {
  OPENAI: 'OpenAI',
  OPENAI_COMPATIBLE: 'OpenAI-compatible',
  DEEPSEEK: 'DeepSeek',
  GEMINI: 'Gemini',
  ANTHROPIC: 'Anthropic',
  MOCK: 'Mock',
};

/** Providers with their type, endpoint and whether a credential is stored. */
export function ProvidersTable(props: { providers: readonly ProviderRow[] }): JSX.Element {
  return (
    <DataTable
      caption="Providers"
      testId="providers-table"
      rows={props.providers}
      emptyText="No providers configured."
      columns={[
        { id: 'name', header: 'Name', cell: (p) => p.name },
        { id: 'type', header: 'Type', cell: (p) => PROVIDER_TYPE_LABELS[p.type] },
        { id: 'base-url', header: 'Base URL', cell: (p) => (p.baseUrl === null ? <span class="muted">Default</span> : <code>{p.baseUrl}</code>) },
        { id: 'credential', header: 'Credential', cell: (p) => (p.hasCredential ? 'Stored (encrypted)' : <span class="muted">None</span>) },
        { id: 'created', header: 'Created', cell: (p) => formatDateTime(p.createdAt) },
      ]}
    />
  );
}

/** Aliases and the provider routes behind each, as the API lists them. */
export function ModelAliasesTable(props: { aliases: readonly ModelAliasRow[] }): JSX.Element {
  return (
    <DataTable
      caption="Model aliases"
      testId="aliases-table"
      rows={props.aliases}
      emptyText="No model aliases configured."
      columns={[
        { id: 'alias', header: 'Alias (the model apps send)', cell: (a) => <code>{a.alias}</code> },
        {
          id: 'routes',
          header: 'Routes',
          cell: (a) => (
            <ol class="route-list">
              <For each={a.routes} fallback={<li class="muted">No routes</li>}>
                {(route) => (
                  <li>
                    {route.provider.name} → <code>{route.upstreamModel}</code>{' '}
                    <span class="muted">
                      (priority {route.priority}, weight {route.weight})
                    </span>
                  </li>
                )}
              </For>
            </ol>
          ),
        },
        { id: 'created', header: 'Created', cell: (a) => formatDateTime(a.createdAt) },
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
      emptyText="No prices configured."
      columns={[
        { id: 'provider', header: 'Provider', cell: (r) => r.provider.name },
        { id: 'model', header: 'Upstream model', cell: (r) => <code>{r.model}</code> },
        { id: 'version', header: 'Version', align: 'end', cell: (r) => r.version },
        { id: 'input', header: 'Input', align: 'end', cell: (r) => <Money micros={r.inputMicrosPerMTok} /> },
        { id: 'output', header: 'Output', align: 'end', cell: (r) => <Money micros={r.outputMicrosPerMTok} /> },
        { id: 'cached', header: 'Cached input', align: 'end', cell: (r) => <Money micros={r.cachedInputMicrosPerMTok} /> },
        { id: 'effective', header: 'Effective from', cell: (r) => formatDateTime(r.effectiveFrom) },
      ]}
    />
  );
}
