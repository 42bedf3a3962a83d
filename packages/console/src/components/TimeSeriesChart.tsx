import { createEffect, onCleanup, type JSX } from 'solid-js';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { themeStore } from './theme-store.ts';

/** One line (or band, when stacked) of a {@link TimeSeriesChart}. */
export interface ChartSeries {
  label: string;
  /** One value per x; null is a gap. */
  values: readonly (number | null)[];
  /** What the legend shows for a point (the raw value, not the stacked sum). */
  format(value: number | null): string;
}

/** Props of {@link TimeSeriesChart}: plain data in, a pick out. */
export interface TimeSeriesChartProps {
  /** Accessible name of the chart. */
  label: string;
  /** Bucket starts, epoch ms, ascending. */
  xs: readonly number[];
  series: readonly ChartSeries[];
  /** The x axis spans the whole range even where there is no data. */
  rangeMs: { fromMs: number; toMs: number };
  /** Stack the series (each band on top of the ones before it), e.g. spend by model. */
  stacked?: boolean;
  /** Tick labels on the y axis. */
  formatY(value: number): string;
  /** Time zone of the x axis' labels. */
  timeZone: string;
  /** A click on the plot: the nearest bucket, and for a stacked chart the band under the pointer. */
  onPick?(index: number, seriesIndex: number | null): void;
  testId?: string;
}

const PALETTE = ['#2f5bd3', '#c2410c', '#15803d', '#7c3aed', '#b91c1c', '#0e7490', '#a16207', '#be185d', '#4d7c0f', '#475569', '#9333ea'];
const HEIGHT_PX = 220;

/**
 * A time-series chart drawn by uPlot on a canvas. uPlot is chosen because it is small (~50 kB
 * minified, no dependencies), draws thousands of points per series in a few milliseconds, and is
 * maintained; charts here are read-only views of GraphQL results, so its plain API is enough.
 * The chart is rebuilt when its data or the theme changes and resized with its box (phones).
 */
export function TimeSeriesChart(props: TimeSeriesChartProps): JSX.Element {
  let box: HTMLDivElement | undefined;
  let chart: uPlot | undefined;

  const build = (): void => {
    chart?.destroy();
    if (box === undefined) return;
    const dark = themeStore.theme() === 'dark';
    const ink = dark ? '#c9d1e3' : '#5b6478';
    const grid = dark ? 'rgba(255,255,255,0.08)' : 'rgba(0,0,0,0.07)';
    const order = props.series.map((_, i) => i);
    const stacked = props.stacked === true ? stack(props.series.map((s) => s.values)) : props.series.map((s) => s.values);
    // Stacked bands are drawn top band first so each lower band paints over the one above it.
    const drawOrder = props.stacked === true ? [...order].reverse() : order;
    const data: uPlot.AlignedData = [props.xs.map((ms) => ms / 1000), ...drawOrder.map((i) => [...stacked[i]!])];
    const opts: uPlot.Options = {
      width: Math.max(box.clientWidth, 200),
      height: HEIGHT_PX,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), props.timeZone),
      scales: { x: { time: true, range: () => [props.rangeMs.fromMs / 1000, props.rangeMs.toMs / 1000] } },
      axes: [
        { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } },
        { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid }, size: 84, values: (_u, ticks) => ticks.map((t) => props.formatY(t)) },
      ],
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      series: [
        {},
        ...drawOrder.map((i) => {
          const color = PALETTE[i % PALETTE.length]!;
          const source = props.series[i]!;
          return {
            label: source.label,
            stroke: color,
            width: 2,
            fill: props.stacked === true ? `${color}55` : undefined,
            points: { show: props.xs.length < 60 },
            value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => (idx === null ? '' : source.format(source.values[idx] ?? null)),
          };
        }),
      ],
    };
    chart = new uPlot(opts, data, box);
    const drawn = chart;
    // From the click's own position, not the cursor's last hover: a click is a click even without one.
    drawn.over.addEventListener('click', (event) => {
      if (props.onPick === undefined || props.xs.length === 0) return;
      const idx = nearestIndex(props.xs, drawn.posToVal(event.offsetX, 'x') * 1000);
      props.onPick(idx, props.stacked === true ? bandAt(drawn.posToVal(event.offsetY, 'y'), stacked, idx) : null);
    });
  };

  createEffect(() => {
    // Tracked: data, series and theme.
    void [props.xs, props.series, props.timeZone, themeStore.theme()];
    build();
  });
  const resize = new ResizeObserver(() => {
    if (chart !== undefined && box !== undefined && Math.abs(chart.width - box.clientWidth) > 2) chart.setSize({ width: Math.max(box.clientWidth, 200), height: HEIGHT_PX });
  });
  createEffect(() => {
    if (box !== undefined) resize.observe(box);
  });
  onCleanup(() => {
    resize.disconnect();
    chart?.destroy();
  });

  return <div ref={box} class="chart" role="img" aria-label={props.label} data-testid={props.testId} data-from-ms={props.rangeMs.fromMs} data-to-ms={props.rangeMs.toMs} data-xs={props.xs.join(',')} />;
}

/** Cumulative sums, band by band: values[i] = Σ series 0..i (gaps count as 0). */
function stack(series: readonly (readonly (number | null)[])[]): (number | null)[][] {
  const sums: (number | null)[][] = [];
  series.forEach((values, i) => {
    sums.push(values.map((v, x) => (i === 0 ? 0 : (sums[i - 1]![x] ?? 0)) + (v ?? 0)));
  });
  return sums;
}

/** The index of the x closest to `ms`. */
function nearestIndex(xs: readonly number[], ms: number): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (Math.abs(xs[i]! - ms) < Math.abs(xs[best]! - ms)) best = i;
  return best;
}

/** The band (series index in `props.series` order) under `value` at bucket `idx`: the lowest whose top is above it. */
function bandAt(value: number, stacked: readonly (readonly (number | null)[])[], idx: number): number | null {
  for (let i = 0; i < stacked.length; i++) if ((stacked[i]![idx] ?? 0) >= value) return i;
  return stacked.length === 0 ? null : stacked.length - 1;
}
