import { useSearchParams } from '@solidjs/router';
import { createQuery } from '@urql/solid';
import { Show, createEffect, createMemo, createSignal, on, type JSX } from 'solid-js';
import { can } from '../../auth/permissions.ts';
import { useViewer } from '../../auth/use-viewer.ts';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { ScopeFilterFields } from '../../components/ScopeFilterFields.tsx';
import { useScopeFilter } from '../../components/use-scope-filter.ts';
import { describeError } from '../../graphql/describe-error.ts';
import { formatDateTime } from '../../lib/format-date.ts';
import { bucketForPreset, previousRange } from '../../lib/overview-math.ts';
import { requestsHref } from '../../lib/request-filter.ts';
import { isTimeRangePresetId, timeRangeFor, type TimeRangePresetId } from '../../lib/time-range.ts';
import { browserTimeZone, isTimeZone } from '../../lib/time-zone.ts';
import { TimeRangePicker } from '../spend/TimeRangePicker.tsx';
import { OverviewCharts } from './OverviewCharts.tsx';
import { OverviewTiles } from './OverviewTiles.tsx';
import { StackSelect, TimeZoneSelect } from './OverviewControls.tsx';
import { UnpricedModelsWarning } from './UnpricedModelsWarning.tsx';
import { groupDrillDown, readStackDimension } from './overview-drill.ts';
import { OverviewChartsQuery, OverviewTilesQuery, type OverviewChartsData, type OverviewTilesData } from './overview.graphql.ts';

const DEFAULT_PRESET: TimeRangePresetId = '24h';

/**
 * The home page: tiles for the range with their change from the previous range, traffic,
 * latency and spend over time, and the top spenders. Everything links to the request log
 * narrowed to it. Range, time zone, stacking and scope live in the URL
 * (`/?range=7d&tz=Europe/Berlin&stack=KEY&team=…`).
 */
export function OverviewPage(): JSX.Element {
  const now = (): number => Date.now();
  const viewer = useViewer();
  const [searchParams, setSearchParams] = useSearchParams();
  const preset = (): TimeRangePresetId => (isTimeRangePresetId(searchParams.range) ? searchParams.range : DEFAULT_PRESET);
  const timeZone = (): string => (isTimeZone(searchParams.tz) ? searchParams.tz : browserTimeZone());
  const stackBy = createMemo(() => readStackDimension(searchParams.stack));
  const scope = useScopeFilter('requests:read');
  const [range, setRange] = createSignal(timeRangeFor(preset(), now()));
  createEffect(on(preset, (id) => setRange(timeRangeFor(id, now())), { defer: true }));

  const [tiles, refetchTiles] = createQuery({
    query: OverviewTilesQuery,
    variables: () => {
      const previous = previousRange(range());
      return { ...range(), previousFrom: previous.from, previousTo: previous.to, ...scope.filter() };
    },
    pause: () => !scope.ready(),
    requestPolicy: 'cache-and-network',
  });
  const [charts, refetchCharts] = createQuery({
    query: OverviewChartsQuery,
    variables: () => ({ ...range(), ...scope.filter(), bucket: bucketForPreset(preset()), timeZone: timeZone(), stackBy: stackBy() }),
    pause: () => !scope.ready(),
    requestPolicy: 'cache-and-network',
  });
  // Plain copies per answer: @urql/solid reconciles answers in place, and rows without ids would mix.
  const tileData = createMemo((): OverviewTilesData | undefined => (tiles.data === undefined ? undefined : JSON.parse(JSON.stringify(tiles.data))));
  const chartData = createMemo((): OverviewChartsData | undefined => (charts.data === undefined ? undefined : JSON.parse(JSON.stringify(charts.data))));

  const refresh = (): void => {
    const next = timeRangeFor(preset(), now());
    if (next.from === range().from && next.to === range().to) {
      refetchTiles({ requestPolicy: 'network-only' });
      refetchCharts({ requestPolicy: 'network-only' });
    } else setRange(next);
  };
  const error = () => tiles.error ?? charts.error;

  return (
    <section class="page" aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <div class="toolbar">
        <TimeRangePicker value={preset()} onChange={(id) => setSearchParams({ range: id })} />
        <button type="button" class="button" onClick={refresh} disabled={tiles.fetching || charts.fetching} data-testid="refresh-overview">
          {tiles.fetching || charts.fetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <div class="toolbar toolbar-filters" role="group" aria-label="Filter">
        <ScopeFilterFields teams={scope.teams()} value={scope.filter()} onChange={scope.setFilter} />
        <TimeZoneSelect value={timeZone()} onChange={(tz) => setSearchParams({ tz })} />
      </div>
      <p class="muted" data-testid="overview-range">
        From <time datetime={range().from}>{formatDateTime(range().from, timeZone())}</time> to{' '}
        <time datetime={range().to}>{formatDateTime(range().to, timeZone())}</time> ({timeZone()}), compared with the same length
        before. Costs are in US dollars.
      </p>
      <ErrorBanner error={error() === undefined ? null : describeError(error()!)} testId="overview-error" />
      <Show when={can(viewer(), 'config:read', null)}>
        <UnpricedModelsWarning range={range()} />
      </Show>
      <Show when={tileData()} fallback={<Show when={error() === undefined}><Loading label="Loading the overview…" /></Show>}>
        {(data) => <OverviewTiles data={data()} href={(errorsOnly) => requestsHref({ range: range(), ...scope.filter(), status: errorsOnly ? 'ERROR' : null })} />}
      </Show>
      <div class="toolbar">
        <h2 class="section-title">Over time</h2>
        <StackSelect value={stackBy()} onChange={(stack) => setSearchParams({ stack })} />
      </div>
      <Show when={chartData()}>
        {(data) => (
          <OverviewCharts
            data={data()}
            range={range()}
            bucket={bucketForPreset(preset())}
            timeZone={timeZone()}
            stackBy={stackBy()}
            drillHref={(group, bucketRange) => requestsHref(groupDrillDown(stackBy(), group, bucketRange ?? range(), scope.filter()))}
          />
        )}
      </Show>
    </section>
  );
}
