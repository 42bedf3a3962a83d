import type { JSX } from 'solid-js';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Money } from '../../components/Money.tsx';
import { formatDateTimeSeconds } from '../../lib/format-date.ts';
import { formatCount, formatLatencyMs } from '../../lib/format-number.ts';
import { RequestOutcome } from './RequestOutcome.tsx';
import type { RequestRow } from './requests.graphql.ts';

/** Recent requests, newest first; a request id opens that request's detail. */
export function RequestsTable(props: { rows: readonly RequestRow[]; onOpen(requestId: string): void; caption?: string; emptyText?: string; testId?: string }): JSX.Element {
  const columns: Column<RequestRow>[] = [
    {
      id: 'time',
      header: 'Time',
      cell: (row) => <time datetime={row.ts}>{formatDateTimeSeconds(row.ts)}</time>,
    },
    {
      id: 'request-id',
      header: 'Request id',
      cell: (row) => (
        <button
          type="button"
          class="link-button request-id"
          onClick={() => props.onOpen(row.requestId)}
          aria-label={`Show request ${row.requestId}`}
        >
          <code>{row.requestId}</code>
        </button>
      ),
    },
    { id: 'key', header: 'Key', cell: (row) => <KeyCell row={row} /> },
    {
      id: 'scope',
      header: 'Project / environment',
      cell: (row) => (row.environment === null ? <span class="muted">—</span> : `${row.projectName ?? 'Unknown project'} / ${row.environment}`),
    },
    { id: 'model', header: 'Model', cell: (row) => row.model },
    { id: 'status', header: 'Status', cell: (row) => <RequestOutcome statusCode={row.statusCode} errorCode={row.errorCode} /> },
    {
      id: 'tokens',
      header: 'Tokens in / out',
      align: 'end',
      cell: (row) => `${formatCount(row.promptTokens)} / ${formatCount(row.completionTokens)}`,
    },
    {
      id: 'cost',
      header: 'Cost',
      align: 'end',
      cell: (row) =>
        row.pricingRuleId === null && row.statusCode < 400 ? (
          <span class="unpriced" title="No pricing rule priced this request: its cost is recorded as $0.00">
            <Money micros={row.costMicros} /> <span class="badge badge-warning">no price</span>
          </span>
        ) : (
          <Money micros={row.costMicros} />
        ),
    },
    { id: 'latency', header: 'Latency', align: 'end', cell: (row) => formatLatencyMs(row.latencyMs) },
  ];
  return (
    <DataTable
      caption={props.caption ?? 'Requests, newest first'}
      columns={columns}
      rows={props.rows}
      emptyText={props.emptyText ?? 'No requests in this range.'}
      rowTestId={(row) => `request-row-${row.requestId}`}
      rowClass={(row) => (row.statusCode >= 400 ? 'row-error' : undefined)}
      testId={props.testId ?? 'requests-table'}
    />
  );
}

function KeyCell(props: { row: RequestRow }): JSX.Element {
  if (props.row.keyId === null) return <span class="muted">No key</span>;
  return (
    <span class="key-label">
      <span>{props.row.keyName ?? 'Unknown key'}</span>
      <code class="muted">{props.row.keyPrefix === null ? props.row.keyId : `${props.row.keyPrefix}…`}</code>
    </span>
  );
}
