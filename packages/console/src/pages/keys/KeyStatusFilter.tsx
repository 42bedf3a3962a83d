import type { JSX } from 'solid-js';
import type { ApiKeyStatus } from './keys.graphql.ts';

const STATUSES: readonly ApiKeyStatus[] = ['ACTIVE', 'DISABLED', 'REVOKED'];

/** Which keys to list: all, or one stored status. */
export function KeyStatusFilter(props: { value: ApiKeyStatus | null; onChange(value: ApiKeyStatus | null): void }): JSX.Element {
  return (
    <div class="field field-inline">
      <label for="key-status-filter">Show</label>
      <select
        id="key-status-filter"
        value={props.value ?? 'ALL'}
        onChange={(event) => {
          const value = event.currentTarget.value;
          props.onChange(STATUSES.find((status) => status === value) ?? null);
        }}
        data-testid="key-status-filter"
      >
        <option value="ALL">All keys</option>
        <option value="ACTIVE">Active keys</option>
        <option value="DISABLED">Disabled keys</option>
        <option value="REVOKED">Revoked keys</option>
      </select>
    </div>
  );
}
