import { Show, type JSX } from 'solid-js';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDateTime } from '../../lib/format-date.ts';
import type { KeyRow } from './keys.graphql.ts';

/** The keys table; each active key has a revoke button that asks the parent to confirm. */
export function KeysTable(props: { keys: readonly KeyRow[]; onRevoke(key: KeyRow): void }): JSX.Element {
  const columns: Column<KeyRow>[] = [
    { id: 'name', header: 'Name', cell: (key) => key.name },
    { id: 'prefix', header: 'Prefix', cell: (key) => <code>{key.prefix}…</code> },
    { id: 'team', header: 'Team', cell: (key) => key.team.name },
    { id: 'status', header: 'Status', cell: (key) => <StatusBadge status={key.status} testId={`key-status-${key.id}`} /> },
    { id: 'created', header: 'Created', cell: (key) => <time datetime={key.createdAt}>{formatDateTime(key.createdAt)}</time> },
    { id: 'last-used', header: 'Last used', cell: (key) => <OptionalTime iso={key.lastUsedAt} empty="Never" /> },
    {
      id: 'actions',
      header: 'Actions',
      cell: (key) => (
        <Show when={key.status === 'ACTIVE'} fallback={<OptionalTime iso={key.revokedAt} empty="" prefix="Revoked " />}>
          <button
            type="button"
            class="button button-danger button-small"
            onClick={() => props.onRevoke(key)}
            aria-label={`Revoke key ${key.name}`}
            data-testid={`revoke-key-${key.id}`}
          >
            Revoke
          </button>
        </Show>
      ),
    },
  ];
  return (
    <DataTable
      caption="API keys, newest first"
      columns={columns}
      rows={props.keys}
      emptyText="No keys yet. Create one above."
      rowTestId={(key) => `key-row-${key.id}`}
      testId="keys-table"
    />
  );
}

function OptionalTime(props: { iso: string | null; empty: string; prefix?: string }): JSX.Element {
  return (
    <Show when={props.iso} fallback={<span class="muted">{props.empty}</span>}>
      {(iso) => (
        <time class="muted" datetime={iso()}>
          {(props.prefix ?? '') + formatDateTime(iso())}
        </time>
      )}
    </Show>
  );
}
