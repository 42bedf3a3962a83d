import { For, Show, type JSX } from 'solid-js';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDateTime } from '../../lib/format-date.ts';
import { keyDisplayStatus } from './key-form.ts';
import type { KeyRow } from './keys.graphql.ts';

/** Props of {@link KeysTable}. */
export interface KeysTableProps {
  keys: readonly KeyRow[];
  /** Whether the viewer may change keys of this team (config:write there): no buttons otherwise. */
  canWrite(teamId: string): boolean;
  onEdit(key: KeyRow): void;
  onRevoke(key: KeyRow): void;
  onRotate(key: KeyRow): void;
  onSetEnabled(key: KeyRow, enabled: boolean): void;
  /** Opens the key's rate limits, budgets and alert history. */
  onShowLimits(key: KeyRow): void;
}

/** The keys table: where each key lives, its status, labels and allow-list, and the actions the viewer may take. */
export function KeysTable(props: KeysTableProps): JSX.Element {
  const now = Date.now();
  const columns: Column<KeyRow>[] = [
    { id: 'name', header: 'Name', cell: (key) => key.name },
    { id: 'prefix', header: 'Prefix', cell: (key) => <code>{key.prefix}…</code> },
    { id: 'team', header: 'Team', cell: (key) => key.team.name },
    {
      id: 'environment',
      header: 'Project / environment',
      cell: (key) => (
        <span>
          {key.project.name} / <strong>{key.environment.name}</strong>
        </span>
      ),
    },
    { id: 'status', header: 'Status', cell: (key) => <StatusBadge status={keyDisplayStatus(key, now)} testId={`key-status-${key.id}`} /> },
    { id: 'expires', header: 'Expires', cell: (key) => <OptionalTime iso={key.expiresAt} empty="Never" /> },
    {
      id: 'aliases',
      header: 'Aliases',
      cell: (key) => (key.allowedAliases.length === 0 ? <span class="muted">All</span> : key.allowedAliases.join(', ')),
    },
    {
      id: 'labels',
      header: 'Labels',
      cell: (key) => (
        <ul class="chip-list">
          <For each={key.labels}>
            {(label) => (
              <li class="chip">
                {label.key}={label.value}
              </li>
            )}
          </For>
        </ul>
      ),
    },
    { id: 'last-used', header: 'Last used', cell: (key) => <OptionalTime iso={key.lastUsedAt} empty="Never" /> },
    {
      id: 'limits',
      header: 'Limits',
      cell: (key) => (
        <button type="button" class="button button-small" onClick={() => props.onShowLimits(key)} aria-label={`Limits and budgets of key ${key.name}`} data-testid={`key-limits-${key.id}`}>
          Limits
        </button>
      ),
    },
    {
      id: 'actions',
      header: 'Actions',
      cell: (key) => (
        <Show when={key.status !== 'REVOKED'} fallback={<OptionalTime iso={key.revokedAt} empty="" prefix="Revoked " />}>
          <Show when={props.canWrite(key.team.id)}>
            <div class="row-actions">
              <button type="button" class="button button-small" onClick={() => props.onEdit(key)} aria-label={`Edit key ${key.name}`} data-testid={`edit-key-${key.id}`}>
                Edit
              </button>
              <Show
                when={key.status === 'ACTIVE'}
                fallback={
                  <button type="button" class="button button-small" onClick={() => props.onSetEnabled(key, true)} data-testid={`enable-key-${key.id}`}>
                    Enable
                  </button>
                }
              >
                <button type="button" class="button button-small" onClick={() => props.onSetEnabled(key, false)} data-testid={`disable-key-${key.id}`}>
                  Disable
                </button>
              </Show>
              <button type="button" class="button button-small" onClick={() => props.onRotate(key)} aria-label={`Rotate key ${key.name}`} data-testid={`rotate-key-${key.id}`}>
                Rotate
              </button>
              <button
                type="button"
                class="button button-danger button-small"
                onClick={() => props.onRevoke(key)}
                aria-label={`Revoke key ${key.name}`}
                data-testid={`revoke-key-${key.id}`}
              >
                Revoke
              </button>
            </div>
          </Show>
          <Show when={key.previousPrefix !== null && key.previousSecretExpiresAt !== null && Date.parse(key.previousSecretExpiresAt) > now}>
            <p class="help" data-testid={`key-previous-${key.id}`}>
              Old secret <code>{key.previousPrefix}…</code> works until {formatDateTime(key.previousSecretExpiresAt!)}
            </p>
          </Show>
        </Show>
      ),
    },
  ];
  return (
    <DataTable
      caption="API keys, newest first"
      columns={columns}
      rows={props.keys}
      emptyText="No keys yet."
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
