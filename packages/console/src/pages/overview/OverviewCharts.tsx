import { A, useNavigate } from '@solidjs/router';
import { createMemo, type JSX } from 'solid-js';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Money } from '../../components/Money.tsx';
import { TimeSeriesChart, type ChartSeries } from '../../components/TimeSeriesChart.tsx';
import { formatMicrosCents } from '../../lib/format-micros.ts';
import { formatCount, formatLatencyMs } from '../../lib/format-number.ts';
import { bucketRange, type TimeBucket } from '../../lib/overview-math.ts';
import type { TimeRange } from '../../lib/time-range.ts';
import { STACK_DIMENSIONS } from './overview-drill.ts';
import { microsToDollars, spendColumns, trafficColumns } from './overview-series.ts';
import type { OverviewChartsData, SpendTopRow, StackDimension, TrafficPoint } from './overview.graphql.ts';

/** Props of {@link OverviewCharts}. */
export interface OverviewChartsProps {
  data: OverviewChartsData;
  range: TimeRange;
  bucket: TimeBucket;
  timeZone: string;
  stackBy: StackDimension;
  /** The request log of a group (null: every group) over a bucket (null: the whole range). */
  drillHref(group: string | null, range: TimeRange | null): string;
}

const count = (v: number | null): string => (v === null ? '—' : formatCount(v));
const ms = (v: number | null): string => formatLatencyMs(v === null ? null : Math.round(v));

/** Traffic, latency and spend over time, and the top spenders; a click on a point or a row drills down. */
export function OverviewCharts(props: OverviewChartsProps): JSX.Element {
  const navigate = useNavigate();
  const drill = (group: string | null, range: TimeRange | null): void => navigate(props.drillHref(group, range));
  const rangeMs = () => ({ fromMs: Date.parse(props.range.from), toMs: Date.parse(props.range.to) });
  const traffic = createMemo(() => trafficColumns(props.data.traffic.groups.flatMap((g) => g.points)));
  const line = (label: string, pick: (p: TrafficPoint) => number | null, format: (v: number | null) => string): ChartSeries => ({
    label,
    values: traffic().points.map(pick),
    format,
  });
  const trafficSeries = createMemo(() => [line('Requests', (p) => p.requests, count), line('Errors', (p) => p.errors ?? 0, count)]);
  const latencySeries = createMemo(() => [
    line('Latency p50', (p) => p.latencyP50Ms, ms),
    line('p95', (p) => p.latencyP95Ms, ms),
    line('p99', (p) => p.latencyP99Ms, ms),
    line('TTFT p50', (p) => p.ttftP50Ms, ms),
    line('p95', (p) => p.ttftP95Ms, ms),
    line('p99', (p) => p.ttftP99Ms, ms),
  ]);
  const spend = createMemo(() => spendColumns(props.data.spend.groups));
  const spendSeries = createMemo((): ChartSeries[] =>
    spend().bands.map((band) => ({
      label: band.group.other ? 'Other' : (band.group.label ?? band.group.key ?? '(none)'),
      values: band.micros.map(microsToDollars),
      format: (dollars) => (dollars === null ? '—' : formatMicrosCents(BigInt(Math.round(dollars * 1_000_000)))),
    })),
  );
  const dimensionLabel = () => STACK_DIMENSIONS.find((d) => d.id === props.stackBy)?.label ?? '';
  const bucketOf = (xs: readonly number[], index: number): TimeRange => bucketRange(xs, index, props.bucket, props.range);

  return (
    <div class="charts">
      <figure class="chart-card">
        <figcaption>Requests and errors</figcaption>
        <TimeSeriesChart
          label="Requests and errors per bucket"
          xs={traffic().xs}
          series={trafficSeries()}
          rangeMs={rangeMs()}
          timeZone={props.timeZone}
          formatY={(v) => formatCount(Math.round(v))}
          onPick={(index) => drill(null, bucketOf(traffic().xs, index))}
          testId="chart-traffic"
        />
      </figure>
      <figure class="chart-card">
        <figcaption>Latency and time to first token (p50 / p95 / p99)</figcaption>
        <TimeSeriesChart
          label="Latency and time to first token percentiles per bucket"
          xs={traffic().xs}
          series={latencySeries()}
          rangeMs={rangeMs()}
          timeZone={props.timeZone}
          formatY={(v) => `${formatCount(Math.round(v))} ms`}
          onPick={(index) => drill(null, bucketOf(traffic().xs, index))}
          testId="chart-latency"
        />
      </figure>
      <figure class="chart-card">
        <figcaption>Spend by {dimensionLabel().toLowerCase()}</figcaption>
        <TimeSeriesChart
          label={`Spend per bucket, stacked by ${dimensionLabel().toLowerCase()}`}
          xs={spend().xs}
          series={spendSeries()}
          stacked
          rangeMs={rangeMs()}
          timeZone={props.timeZone}
          formatY={formatDollarsTick}
          onPick={(index, band) => {
            const group = band === null ? undefined : spend().bands[band]?.group;
            drill(group === undefined || group.other ? null : group.key, bucketOf(spend().xs, index));
          }}
          testId="chart-spend"
        />
      </figure>
      <TopSpendTable rows={props.data.topSpend.rows} dimension={dimensionLabel()} href={(key) => props.drillHref(key, null)} />
    </div>
  );
}

function TopSpendTable(props: { rows: readonly SpendTopRow[]; dimension: string; href(key: string): string }): JSX.Element {
  const columns: Column<SpendTopRow>[] = [
    {
      id: 'group',
      header: props.dimension,
      cell: (row) => (
        <A href={props.href(row.key)} data-testid={`top-spend-link-${row.key}`}>
          {row.label ?? (row.key === '' ? '(none)' : row.key)}
        </A>
      ),
    },
    { id: 'requests', header: 'Requests', align: 'end', cell: (row) => formatCount(row.requests) },
    { id: 'cost', header: 'Spend', align: 'end', cell: (row) => <Money micros={row.costMicros} /> },
  ];
  return (
    <DataTable
      caption={`Top spend by ${props.dimension.toLowerCase()}; a row opens its requests`}
      columns={columns}
      rows={props.rows}
      emptyText="No spend in this range."
      rowTestId={(row) => `top-spend-${row.key}`}
      testId="top-spend"
    />
  );
}

/** A spend axis tick: whole dollars when large, cents when small, and two significant digits below a cent. */
function formatDollarsTick(dollars: number): string {
  if (dollars === 0) return '$0';
  if (Math.abs(dollars) >= 100) return `$${Math.round(dollars).toLocaleString('en-US')}`;
  if (Math.abs(dollars) >= 0.01) return `$${dollars.toFixed(2)}`;
  return `$${dollars.toPrecision(2)}`;
}
