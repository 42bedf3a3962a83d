import { Show, type JSX } from 'solid-js';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Money } from '../../components/Money.tsx';
import { formatCount, formatLatencyMs } from '../../lib/format-number.ts';
import type { SpendReport, SpendRow } from './spend.graphql.ts';

/** Props of {@link SpendTable}: one report, grouped by key or by model. */
export interface SpendTableProps {
  groupBy: 'KEY' | 'MODEL';
  report: SpendReport;
  caption: string;
  testId: string;
}

/** Requests, errors, tokens, cost and latency per group, with a totals row. */
export function SpendTable(props: SpendTableProps): JSX.Element {
  const totals = (): SpendRow => props.report.totals;
  const columns = (): Column<SpendRow>[] => [
    props.groupBy === 'KEY'
      ? { id: 'key', header: 'Key', cell: (row) => <KeyLabel row={row} />, footer: <strong>Total</strong> }
      : { id: 'model', header: 'Model', cell: (row) => row.model ?? <span class="muted">Unknown model</span>, footer: <strong>Total</strong> },
    countColumn('requests', 'Requests', (row) => row.requests, totals().requests),
    countColumn('errors', 'Errors', (row) => row.errors, totals().errors),
    countColumn('prompt-tokens', 'Prompt tokens', (row) => row.promptTokens, totals().promptTokens),
    countColumn('completion-tokens', 'Completion tokens', (row) => row.completionTokens, totals().completionTokens),
    countColumn('cached-tokens', 'Cached tokens', (row) => row.cachedTokens, totals().cachedTokens),
    {
      id: 'cost',
      header: 'Cost',
      align: 'end',
      cell: (row) => <Money micros={row.costMicros} />,
      footer: <strong><Money micros={totals().costMicros} /></strong>,
    },
    latencyColumn('p50', 'p50 latency', (row) => row.p50LatencyMs, totals().p50LatencyMs),
    latencyColumn('p95', 'p95 latency', (row) => row.p95LatencyMs, totals().p95LatencyMs),
  ];
  return (
    <>
      <DataTable
        caption={props.caption}
        columns={columns()}
        rows={props.report.rows}
        emptyText="No requests in this range."
        rowTestId={(row) => (props.groupBy === 'KEY' ? `spend-key-row-${row.keyId ?? 'unknown'}` : `spend-model-row-${row.model ?? 'unknown'}`)}
        testId={props.testId}
      />
      <Show when={props.report.truncated}>
        <p class="muted" data-testid={`${props.testId}-truncated`}>
          Showing the {props.report.rows.length} most expensive groups; the totals cover every request.
        </p>
      </Show>
    </>
  );
}

function KeyLabel(props: { row: SpendRow }): JSX.Element {
  // A key deleted from Postgres still has events in ClickHouse; show what is known.
  return (
    <span class="key-label">
      <span>{props.row.keyName ?? 'Unknown key'}</span>
      <code class="muted">{props.row.keyPrefix === null ? (props.row.keyId ?? '') : `${props.row.keyPrefix}…`}</code>
    </span>
  );
}

function countColumn(id: string, header: string, value: (row: SpendRow) => number, total: number): Column<SpendRow> {
  return { id, header, align: 'end', cell: (row) => formatCount(value(row)), footer: <strong>{formatCount(total)}</strong> };
}

function latencyColumn(
  id: string,
  header: string,
  value: (row: SpendRow) => number | null,
  total: number | null,
): Column<SpendRow> {
  return { id, header, align: 'end', cell: (row) => formatLatencyMs(value(row)), footer: <strong>{formatLatencyMs(total)}</strong> };
}
