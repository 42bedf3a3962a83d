import { A } from '@solidjs/router';
import { For, type JSX } from 'solid-js';
import { Money } from '../../components/Money.tsx';
import { formatCount, formatLatencyMs } from '../../lib/format-number.ts';
import { errorRate, formatChange } from '../../lib/overview-math.ts';
import type { OverviewTilesData } from './overview.graphql.ts';

/** One tile: a figure of the range, its change from the previous range, and where it drills down to. */
interface TileSpec {
  id: string;
  label: string;
  value(data: OverviewTilesData['current']): JSX.Element;
  /** The comparable number of a report, for the change. */
  measure(data: OverviewTilesData['current']): number | null;
  /** Whether a rise is bad (errors, latency, spend), to colour the change. */
  riseIsBad: boolean;
  /** The request log this tile opens: every request of the range, or only the failed ones. */
  errorsOnly?: boolean;
}

const bigintOrNull = (micros: string | null): number | null => (micros === null ? null : Number(micros));

const TILES: readonly TileSpec[] = [
  { id: 'requests', label: 'Requests routed', value: (d) => formatCount(d.totals.requests), measure: (d) => d.totals.requests, riseIsBad: false },
  {
    id: 'models',
    label: 'Active models',
    value: (d) => `${formatCount(d.rows.length)}${d.truncated ? '+' : ''}`,
    measure: (d) => d.rows.length,
    riseIsBad: false,
  },
  // The API gives latency percentiles, not a mean: the median is the honest "typical" request.
  { id: 'latency', label: 'Median latency (p50)', value: (d) => formatLatencyMs(d.totals.latencyP50Ms === null ? null : Math.round(d.totals.latencyP50Ms)), measure: (d) => d.totals.latencyP50Ms, riseIsBad: true },
  {
    id: 'error-rate',
    label: 'Error rate',
    value: (d) => formatRate(errorRate(d.totals.errors, d.totals.requests)),
    measure: (d) => errorRate(d.totals.errors, d.totals.requests),
    riseIsBad: true,
    errorsOnly: true,
  },
  { id: 'spend', label: 'Spend', value: (d) => <Money micros={d.totals.costMicros} />, measure: (d) => bigintOrNull(d.totals.costMicros), riseIsBad: true },
  { id: 'saved', label: 'Cost saved', value: (d) => <Money micros={d.totals.costSavedMicros} />, measure: (d) => bigintOrNull(d.totals.costSavedMicros), riseIsBad: false },
];

function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(rate < 0.1 ? 2 : 1)} %`;
}

/** The overview's tiles; each is a link to the request log of the range (the error rate: of its failures). */
export function OverviewTiles(props: { data: OverviewTilesData; href(errorsOnly: boolean): string }): JSX.Element {
  return (
    <ul class="tiles" data-testid="overview-tiles">
      <For each={TILES}>
        {(tile) => {
          const change = (): string => formatChange(tile.measure(props.data.current), tile.measure(props.data.previous));
          const tone = (): string => {
            const text = change();
            if (!text.startsWith('+') && !text.startsWith('−')) return 'change';
            return text.startsWith('+') === tile.riseIsBad ? 'change change-bad' : 'change change-good';
          };
          return (
            <li class="tile">
              <A href={props.href(tile.errorsOnly === true)} class="tile-link" data-testid={`tile-${tile.id}`}>
                <span class="tile-label">{tile.label}</span>
                <span class="tile-value" data-testid={`tile-${tile.id}-value`}>
                  {tile.value(props.data.current)}
                </span>
                <span class={tone()} data-testid={`tile-${tile.id}-change`} title="Change from the previous range of the same length">
                  {change()} <span class="visually-hidden">from the previous range</span>
                </span>
              </A>
            </li>
          );
        }}
      </For>
    </ul>
  );
}
