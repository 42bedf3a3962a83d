import type { JSX } from 'solid-js';
import type { RequestStatusFilter as StatusFilter } from './requests.graphql.ts';

/** Which requests to list by outcome: all, successes (status below 400) or errors. */
export function RequestStatusFilter(props: { value: StatusFilter | null; onChange(value: StatusFilter | null): void }): JSX.Element {
  return (
    <div class="field field-inline">
      <label for="request-status-filter">Show</label>
      <select
        id="request-status-filter"
        value={props.value ?? 'ALL'}
        onChange={(event) => {
          const value = event.currentTarget.value;
          props.onChange(value === 'SUCCESS' || value === 'ERROR' ? value : null);
        }}
        data-testid="request-status-filter"
      >
        <option value="ALL">All requests</option>
        <option value="SUCCESS">Successful requests</option>
        <option value="ERROR">Failed requests</option>
      </select>
    </div>
  );
}
