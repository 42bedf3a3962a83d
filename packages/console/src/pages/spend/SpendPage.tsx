import { useSearchParams } from '@solidjs/router';
import { createQuery } from '@urql/solid';
import { For, Show, createMemo, createSignal, on, createEffect, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { ScopeFilterFields } from '../../components/ScopeFilterFields.tsx';
import { useScopeFilter } from '../../components/use-scope-filter.ts';
import { describeError } from '../../graphql/describe-error.ts';
import { formatDateTime } from '../../lib/format-date.ts';
import { isTimeRangePresetId, timeRangeFor, type TimeRangePresetId } from '../../lib/time-range.ts';
import { SpendTable } from './SpendTable.tsx';
import { TimeRangePicker } from './TimeRangePicker.tsx';
import { SCOPE_GROUPINGS, readScopeGrouping, scopeGroupingParam, type ScopeGroupBy } from './spend-grouping.ts';
import { SpendPageQuery, type SpendReport } from './spend.graphql.ts';

const DEFAULT_PRESET: TimeRangePresetId = '24h';

/**
 * Spend by key, by model and by team, project or environment over a preset range, narrowed to a
 * team, project and environment. Range, filter and grouping live in the URL
 * (`?range=7d&project=…&env=staging&group=environment`) so a view survives a reload and can be
 * shared; the range end is fixed when chosen and moves only on Refresh.
 */
export function SpendPage(): JSX.Element {
  // The clock is read only when a range is chosen; the arithmetic (timeRangeFor) takes it as input.
  const now = (): number => Date.now();
  const [searchParams, setSearchParams] = useSearchParams();
  const preset = (): TimeRangePresetId => (isTimeRangePresetId(searchParams.range) ? searchParams.range : DEFAULT_PRESET);
  const groupBy = (): ScopeGroupBy => readScopeGrouping(searchParams.group);
  const scope = useScopeFilter('spend:read');
  const [range, setRange] = createSignal(timeRangeFor(preset(), now()));
  createEffect(on(preset, (id) => setRange(timeRangeFor(id, now())), { defer: true }));

  const [spend, refetchSpend] = createQuery({
    query: SpendPageQuery,
    variables: () => ({ ...range(), ...scope.filter(), groupBy: groupBy() }),
    pause: () => !scope.ready(),
    requestPolicy: 'cache-and-network',
  });

  // @urql/solid reconciles each answer into the last one in place, and spend rows have no id to
  // match on: after a filter change a row showed some figures of one group and some of another.
  // A plain copy per answer (reading every field, so it follows each change) gives fresh rows.
  const reports = createMemo((): { byKey: SpendReport; byModel: SpendReport; byScope: SpendReport } | undefined =>
    spend.data === undefined ? undefined : JSON.parse(JSON.stringify(spend.data)),
  );

  const refresh = (): void => {
    const next = timeRangeFor(preset(), now());
    const current = range();
    if (next.from === current.from && next.to === current.to) refetchSpend({ requestPolicy: 'network-only' });
    else setRange(next);
  };
  // The grouping the shown rows were asked with: while a new grouping loads, the old rows keep their labels.
  const shownGroupBy = (): ScopeGroupBy => spend.operation?.variables.groupBy ?? groupBy();
  const groupLabel = (): string => SCOPE_GROUPINGS.find((g) => g.id === shownGroupBy())?.label ?? '';

  return (
    <section class="page" aria-labelledby="spend-title">
      <h1 id="spend-title">Spend</h1>
      <div class="toolbar">
        <TimeRangePicker value={preset()} onChange={(id) => setSearchParams({ range: id })} />
        <button type="button" class="button" onClick={refresh} disabled={spend.fetching} data-testid="refresh-spend">
          {spend.fetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <div class="toolbar toolbar-filters" role="group" aria-label="Filter and group" data-testid="spend-filters">
        <ScopeFilterFields teams={scope.teams()} value={scope.filter()} onChange={scope.setFilter} />
        <div class="field field-inline">
          <label for="spend-group-by">Group by</label>
          <select id="spend-group-by" onChange={(event) => setSearchParams({ group: scopeGroupingParam(readScopeGrouping(event.currentTarget.value)) })} data-testid="spend-group-by">
            <For each={SCOPE_GROUPINGS}>{(g) => <option value={g.param} selected={g.id === groupBy()}>{g.label}</option>}</For>
          </select>
        </div>
      </div>
      <p class="muted" data-testid="spend-range">
        From <time datetime={range().from}>{formatDateTime(range().from)}</time> to{' '}
        <time datetime={range().to}>{formatDateTime(range().to)}</time> (your local time). Costs are in US
        dollars, exact to the micro-dollar.
      </p>
      <ErrorBanner error={spend.error === undefined ? null : describeError(spend.error)} testId="spend-error" />
      <Show when={reports()} fallback={<Show when={spend.error === undefined}><Loading label="Loading spend…" /></Show>}>
        {(data) => (
          <>
            <SpendTable groupBy={shownGroupBy()} report={data().byScope} caption={`By ${groupLabel().toLowerCase()}`} testId="spend-by-scope" />
            <SpendTable groupBy="KEY" report={data().byKey} caption="By key" testId="spend-by-key" />
            <SpendTable groupBy="MODEL" report={data().byModel} caption="By model" testId="spend-by-model" />
          </>
        )}
      </Show>
    </section>
  );
}
