import { useSearchParams } from '@solidjs/router';
import { createQuery } from '@urql/solid';
import { Show, createEffect, createSignal, on, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { ScopeFilterFields } from '../../components/ScopeFilterFields.tsx';
import { useScopeFilter } from '../../components/use-scope-filter.ts';
import { describeError } from '../../graphql/describe-error.ts';
import { formatDateTime } from '../../lib/format-date.ts';
import { isTimeRangePresetId, timeRangeFor, type TimeRangePresetId } from '../../lib/time-range.ts';
import { TimeRangePicker } from '../spend/TimeRangePicker.tsx';
import { RequestDetailPanel } from './RequestDetailPanel.tsx';
import { RequestIdSearch } from './RequestIdSearch.tsx';
import { RequestStatusFilter } from './RequestStatusFilter.tsx';
import { RequestsTable } from './RequestsTable.tsx';
import { createRequestPages } from './request-pages.ts';
import { RequestDetailQuery, type RequestStatusFilter as StatusFilter } from './requests.graphql.ts';

const DEFAULT_PRESET: TimeRangePresetId = '24h';
/** Rows per page the table offers; the API takes 1–200. */
const PAGE_SIZES = [10, 50, 200] as const;
const DEFAULT_PAGE_SIZE = 50;

/**
 * The request log: one request by its id (what a support ticket quotes), and the recent
 * requests over a range, filtered by outcome, team, project and environment, newest first, a page
 * at a time. Range, filters, page size and the open request live in the URL
 * (`?range=1h&status=ERROR&env=staging&id=req_…`), so a view survives a reload and can be shared.
 */
export function RequestsPage(): JSX.Element {
  const now = (): number => Date.now();
  const [searchParams, setSearchParams] = useSearchParams();
  const preset = (): TimeRangePresetId => (isTimeRangePresetId(searchParams.range) ? searchParams.range : DEFAULT_PRESET);
  const status = (): StatusFilter | null =>
    searchParams.status === 'SUCCESS' || searchParams.status === 'ERROR' ? searchParams.status : null;
  const pageSize = (): number => PAGE_SIZES.find((size) => String(size) === searchParams.size) ?? DEFAULT_PAGE_SIZE;
  const openId = (): string | null => (typeof searchParams.id === 'string' && searchParams.id !== '' ? searchParams.id : null);

  const [range, setRange] = createSignal(timeRangeFor(preset(), now()));
  createEffect(on(preset, (id) => setRange(timeRangeFor(id, now())), { defer: true }));
  const scope = useScopeFilter('requests:read');
  const pages = createRequestPages(() => ({ ...range(), status: status(), ...scope.filter(), first: pageSize() }), scope.ready);

  const [detail, refetchDetail] = createQuery({
    query: RequestDetailQuery,
    variables: () => ({ id: openId() ?? '' }),
    pause: () => openId() === null,
    requestPolicy: 'cache-and-network',
  });
  const openRequest = (id: string): void => {
    if (id === openId()) refetchDetail({ requestPolicy: 'network-only' });
    else setSearchParams({ id });
  };

  const refresh = (): void => {
    const next = timeRangeFor(preset(), now());
    const current = range();
    if (next.from === current.from && next.to === current.to) pages.refetch();
    else setRange(next);
  };

  return (
    <section class="page" aria-labelledby="requests-title">
      <h1 id="requests-title">Requests</h1>
      <p class="lead">
        Every request through the data plane, as its event recorded it. Events arrive in batches, so the newest
        requests appear a few seconds late.
      </p>
      <RequestIdSearch value={openId()} busy={detail.fetching} onSearch={openRequest} />
      <Show when={openId()}>
        {(id) => (
          <>
            <ErrorBanner error={detail.error === undefined ? null : describeError(detail.error)} testId="request-detail-error" />
            <Show when={!detail.fetching || detail.data !== undefined}>
              <Show when={detail.data?.request} fallback={<NotFound id={id()} show={detail.data !== undefined} />}>
                {(request) => <RequestDetailPanel request={request()} onClose={() => setSearchParams({ id: undefined })} />}
              </Show>
            </Show>
          </>
        )}
      </Show>

      <h2 class="section-title">Recent requests</h2>
      <div class="toolbar">
        <TimeRangePicker value={preset()} onChange={(id) => setSearchParams({ range: id })} />
        <RequestStatusFilter value={status()} onChange={(value) => setSearchParams({ status: value ?? undefined })} />
        <ScopeFilterFields teams={scope.teams()} value={scope.filter()} onChange={scope.setFilter} />
        <PageSizeSelect value={pageSize()} onChange={(size) => setSearchParams({ size: String(size) })} />
        <button type="button" class="button" onClick={refresh} disabled={pages.fetching()} data-testid="refresh-requests">
          {pages.fetching() ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p class="muted" data-testid="requests-range">
        From <time datetime={range().from}>{formatDateTime(range().from)}</time> to{' '}
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
    </section>
  );
}

function NotFound(props: { id: string; show: boolean }): JSX.Element {
  return (
    <Show when={props.show}>
      <div class="banner banner-info" role="status" data-testid="request-not-found">
        No request <code>{props.id}</code> in your organization yet. Events arrive a few seconds after the request.
      </div>
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
