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
import { readExplicitRange, readRequestFilter, requestFilterParams, type RequestFilter } from '../../lib/request-filter.ts';
import { isTimeRangePresetId, timeRangeFor, type TimeRange, type TimeRangePresetId } from '../../lib/time-range.ts';
import { TimeRangePicker } from '../spend/TimeRangePicker.tsx';
import { RequestDetailPanel } from './RequestDetailPanel.tsx';
import { RequestIdSearch } from './RequestIdSearch.tsx';
import { RequestFilterFields } from './RequestFilterFields.tsx';
import { RequestsTable } from './RequestsTable.tsx';
import { createRequestPages } from './request-pages.ts';
import { ConfigNamesQuery, FilterChoicesQuery, RequestDetailQuery } from './requests.graphql.ts';

const DEFAULT_PRESET: TimeRangePresetId = '24h';
/** Rows per page the table offers; the API takes 1–200. */
const PAGE_SIZES = [10, 50, 200] as const;
const DEFAULT_PAGE_SIZE = 50;

/**
 * The request log: one request by its id (what a support ticket quotes), and the recent
 * requests over a range, filtered by key, model, outcome, error code, team, project and
 * environment, newest first, a page at a time; a request opens in a drawer beside the list.
 * Range (a preset, or `from`/`to` from a drill-down), filters, page size and the open request live
 * in the URL (`?range=1h&model=gpt-4o&status=ERROR&env=staging&id=req_…`), so a view survives a
 * reload and can be shared.
 */
export function RequestsPage(): JSX.Element {
  const now = (): number => Date.now();
  const [searchParams, setSearchParams] = useSearchParams();
  const preset = (): TimeRangePresetId => (isTimeRangePresetId(searchParams.range) ? searchParams.range : DEFAULT_PRESET);
  const explicitRange = createMemo(() => readExplicitRange(searchParams), undefined, { equals: sameRange });
  const filter = createMemo(() => readRequestFilter(searchParams), undefined, { equals: sameFilter });
  const pageSize = (): number => PAGE_SIZES.find((size) => String(size) === searchParams.size) ?? DEFAULT_PAGE_SIZE;
  const openId = (): string | null => (typeof searchParams.id === 'string' && searchParams.id !== '' ? searchParams.id : null);

  const [presetRange, setPresetRange] = createSignal(timeRangeFor(preset(), now()));
  createEffect(on(preset, (id) => setPresetRange(timeRangeFor(id, now())), { defer: true }));
  const range = (): TimeRange => explicitRange() ?? presetRange();
  const scope = useScopeFilter('requests:read');
  const viewer = useViewer();
  const pages = createRequestPages(() => ({ ...range(), ...filter(), ...scope.filter(), first: pageSize() }), scope.ready);
  const [choices] = createQuery({
    query: FilterChoicesQuery,
    variables: () => ({ ...range(), ...scope.filter() }),
    pause: () => !scope.ready(),
    requestPolicy: 'cache-and-network',
  });
  const [names] = createQuery({ query: ConfigNamesQuery, variables: {}, pause: () => !can(viewer(), 'config:read', null) });

  const [detail, refetchDetail] = createQuery({
    query: RequestDetailQuery,
    variables: () => ({ id: openId() ?? '' }),
    pause: () => openId() === null,
    requestPolicy: 'cache-and-network',
  });
  const closeDetail = (): void => setSearchParams({ id: undefined });
  const openRequest = (id: string): void => {
    if (id === openId()) refetchDetail({ requestPolicy: 'network-only' });
    else setSearchParams({ id });
  };

  const refresh = (): void => {
    const next = timeRangeFor(preset(), now());
    const current = presetRange();
    if (explicitRange() !== null || (next.from === current.from && next.to === current.to)) pages.refetch();
    else setPresetRange(next);
  };
  const setFilter = (next: RequestFilter): void => setSearchParams(requestFilterParams(next));

  return (
    <section class="page" aria-labelledby="requests-title">
      <h1 id="requests-title">Requests</h1>
      <p class="lead">
        Every request through the data plane, as its event recorded it. Events arrive in batches, so the newest
        requests appear a few seconds late.
      </p>
      <RequestIdSearch value={openId()} busy={detail.fetching} onSearch={openRequest} />
      <div class={openId() === null ? 'requests-layout' : 'requests-layout drawer-open'}>
      <div class="requests-list">
      <h2 class="section-title">Recent requests</h2>
      <div class="toolbar">
        <TimeRangePicker
          value={explicitRange() === null ? preset() : null}
          onChange={(id) => setSearchParams({ range: id, from: undefined, to: undefined })}
        />
      </div>
      <div class="toolbar toolbar-filters" role="group" aria-label="Filter" data-testid="request-filters">
        <RequestFilterFields value={filter()} choices={choices.data} onChange={setFilter} />
        <ScopeFilterFields teams={scope.teams()} value={scope.filter()} onChange={scope.setFilter} />
        <PageSizeSelect value={pageSize()} onChange={(size) => setSearchParams({ size: String(size) })} />
        <button type="button" class="button" onClick={refresh} disabled={pages.fetching()} data-testid="refresh-requests">
          {pages.fetching() ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p class="muted" data-testid="requests-range">
        {explicitRange() === null ? '' : 'Custom range: '}From <time datetime={range().from}>{formatDateTime(range().from)}</time> to{' '}
        <time datetime={range().to}>{formatDateTime(range().to)}</time> (your local time). Costs are in US dollars.
      </p>
      <ErrorBanner error={pages.error()} testId="requests-error" />
      <Show when={pages.rows()} fallback={<Show when={pages.error() === null}><Loading label="Loading requests…" /></Show>}>
        {(rows) => (
          <>
            <RequestsTable rows={rows()} onOpen={openRequest} />
            <Show when={pages.hasMore()}>
              <button
                type="button"
                class="button"
                onClick={() => void pages.loadMore()}
                disabled={pages.loadingMore()}
                data-testid="load-more-requests"
              >
                {pages.loadingMore() ? 'Loading…' : 'Load more'}
              </button>
            </Show>
          </>
        )}
      </Show>
      </div>
      <Show when={openId()}>
        {(id) => (
          <aside class="drawer" aria-label="Request detail" data-testid="request-drawer">
            <ErrorBanner error={detail.error === undefined ? null : describeError(detail.error)} testId="request-detail-error" />
            <Show when={!detail.fetching || detail.data !== undefined} fallback={<Loading label="Loading the request…" />}>
              <Show when={detail.data?.request} fallback={<NotFound id={id()} show={detail.data !== undefined} onClose={closeDetail} />}>
                {(request) => <RequestDetailPanel request={request()} names={names.data} onClose={closeDetail} />}
              </Show>
            </Show>
          </aside>
        )}
      </Show>
      </div>
    </section>
  );
}

function sameRange(a: TimeRange | null, b: TimeRange | null): boolean {
  return a === b || (a !== null && b !== null && a.from === b.from && a.to === b.to);
}

function sameFilter(a: RequestFilter, b: RequestFilter): boolean {
  return a.keyId === b.keyId && a.model === b.model && a.errorCode === b.errorCode && a.status === b.status;
}

function NotFound(props: { id: string; show: boolean; onClose(): void }): JSX.Element {
  return (
    <Show when={props.show}>
      <div class="banner banner-info" role="status" data-testid="request-not-found">
        No request <code>{props.id}</code> in your organization yet. Events arrive a few seconds after the request.
      </div>
      <button type="button" class="button button-small" onClick={() => props.onClose()} data-testid="close-request-detail">
        Close
      </button>
    </Show>
  );
}

function PageSizeSelect(props: { value: number; onChange(value: number): void }): JSX.Element {
  return (
    <div class="field field-inline">
      <label for="request-page-size">Rows per page</label>
      <select
        id="request-page-size"
        value={String(props.value)}
        style={{ 'min-width': '5rem' }}
        onChange={(event) => props.onChange(Number(event.currentTarget.value))}
        data-testid="request-page-size"
      >
        {PAGE_SIZES.map((size) => (
          <option value={String(size)}>{size}</option>
        ))}
      </select>
    </div>
  );
}
