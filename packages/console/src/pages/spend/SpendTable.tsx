import { Show, type JSX } from 'solid-js';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Money } from '../../components/Money.tsx';
import { formatCount, formatLatencyMs } from '../../lib/format-number.ts';
import type { ScopeGroupBy } from './spend-grouping.ts';
import type { SpendReport, SpendRow } from './spend.graphql.ts';

/** What a spend table is grouped by. */
export type SpendTableGroupBy = 'KEY' | 'MODEL' | ScopeGroupBy;

/** Props of {@link SpendTable}: one report, grouped by key, model, team, project or environment. */
export interface SpendTableProps {
  groupBy: SpendTableGroupBy;
  report: SpendReport;
  caption: string;
  testId: string;
}

/** Requests, errors, tokens, cost and latency per group, with a totals row. */
export function SpendTable(props: SpendTableProps): JSX.Element {
  const totals = (): SpendRow => props.report.totals;
  const group = (): GroupColumn => GROUP_COLUMNS[props.groupBy];
  const columns = (): Column<SpendRow>[] => [
    { id: group().id, header: group().header, cell: group().cell, footer: <strong>Total</strong> },
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
        rowTestId={(row) => `spend-${group().id}-row-${group().rowId(row) ?? 'unknown'}`}
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

/** The first column of each grouping, and the id its rows are found by (`spend-<id>-row-<rowId>`). */
interface GroupColumn {
  id: string;
  header: string;
  cell(row: SpendRow): JSX.Element;
  rowId(row: SpendRow): string | null;
}

const GROUP_COLUMNS: Record<SpendTableGroupBy, GroupColumn> = {
  KEY: { id: 'key', header: 'Key', cell: (row) => <KeyLabel row={row} />, rowId: (row) => row.keyId },
  MODEL: { id: 'model', header: 'Model', cell: (row) => row.model ?? <span class="muted">Unknown model</span>, rowId: (row) => row.model },
  TEAM: { id: 'team', header: 'Team', cell: (row) => row.teamName ?? <span class="muted">Unknown team</span>, rowId: (row) => row.teamId },
  PROJECT: {
    id: 'project',
    header: 'Project',
    cell: (row) => <ScopeLabel name={row.projectName} owner={row.teamName} unknown="Unknown project" />,
    rowId: (row) => row.projectId,
  },
  ENVIRONMENT: {
    id: 'environment',
    header: 'Environment',
    cell: (row) => <ScopeLabel name={row.environment} owner={row.projectName === null ? null : `${row.projectName}${row.teamName === null ? '' : ` (${row.teamName})`}`} unknown="Unknown environment" />,
    rowId: (row) => row.environmentId,
  },
};

/** A project or environment with what it belongs to, since names repeat across teams and projects. */
function ScopeLabel(props: { name: string | null; owner: string | null; unknown: string }): JSX.Element {
  return (
    <span class="key-label">
      <span>{props.name ?? props.unknown}</span>
      <Show when={props.owner}>{(owner) => <span class="muted">{owner()}</span>}</Show>
    </span>
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
