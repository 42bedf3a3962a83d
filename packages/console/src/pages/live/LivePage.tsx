import { useNavigate, useSearchParams } from '@solidjs/router';
import { createQuery, createSubscription } from '@urql/solid';
import { Show, createEffect, createMemo, createSignal, on, type JSX } from 'solid-js';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { ScopeFilterFields } from '../../components/ScopeFilterFields.tsx';
import { useScopeFilter } from '../../components/use-scope-filter.ts';
import { describeError } from '../../graphql/describe-error.ts';
import { readRequestFilter, requestFilterParams } from '../../lib/request-filter.ts';
import { timeRangeFor } from '../../lib/time-range.ts';
import { RequestFilterFields } from '../requests/RequestFilterFields.tsx';
import { RequestsTable } from '../requests/RequestsTable.tsx';
import { FilterChoicesQuery, type RequestRow } from '../requests/requests.graphql.ts';
import { emptyFeed, receive, resume, type LiveFeed } from './live-feed.ts';
import { RequestTailSubscription } from './live.graphql.ts';

/** Rows kept on the page; older ones scroll away (the Requests page has them all). */
const CAPACITY = 200;

/**
 * Requests as they happen, through the `requestTail` subscription (SSE), newest first, failures
 * highlighted. Pause freezes the list (arrivals are held and counted); filters live in the URL
 * like the Requests page's, and a new filter starts a new subscription with an empty list.
 */
export function LivePage(): JSX.Element {
  const navigate = useNavigate();
  const [searchParams, setSearchParams] = useSearchParams();
  const filter = createMemo(() => readRequestFilter(searchParams), undefined, {
    equals: (a, b) => a.keyId === b.keyId && a.model === b.model && a.errorCode === b.errorCode && a.status === b.status,
  });
  const scope = useScopeFilter('requests:read');
  const [feed, setFeed] = createSignal<LiveFeed<RequestRow>>(emptyFeed());
  const [paused, setPaused] = createSignal(false);
  const variables = createMemo(() => ({ ...filter(), ...scope.filter() }));
  createEffect(on(variables, () => setFeed(emptyFeed<RequestRow>()), { defer: true }));
  const [tail] = createSubscription({ query: RequestTailSubscription, variables, pause: () => !scope.ready() }, (_previous, data) => {
    const entry = data.requestTail;
    if (entry !== null) setFeed((current) => receive(current, entry, paused(), CAPACITY));
    return data;
  });
  const [choices] = createQuery({
    query: FilterChoicesQuery,
    variables: () => ({ ...timeRangeFor('24h', Date.now()), ...scope.filter() }),
    pause: () => !scope.ready(),
  });
  const togglePause = (): void => {
    if (paused()) setFeed((current) => resume(current, CAPACITY));
    setPaused(!paused());
  };

  return (
    <section class="page" aria-labelledby="live-title">
      <h1 id="live-title">Live requests</h1>
      <p class="lead">Requests appear as the control plane receives their events, newest first. Failures are highlighted.</p>
      <div class="toolbar toolbar-filters" role="group" aria-label="Filter" data-testid="live-filters">
        <RequestFilterFields value={filter()} choices={choices.data} onChange={(next) => setSearchParams(requestFilterParams(next))} />
        <ScopeFilterFields teams={scope.teams()} value={scope.filter()} onChange={scope.setFilter} />
      </div>
      <div class="toolbar">
        <button type="button" class="button" aria-pressed={paused()} onClick={togglePause} data-testid="live-pause">
          {paused() ? 'Resume' : 'Pause'}
        </button>
        <span class="muted" role="status" data-testid="live-status">
          <Show when={paused()} fallback={tail.error === undefined ? 'Listening…' : 'Disconnected'}>
            Paused: {feed().held.length} new {feed().held.length === 1 ? 'request' : 'requests'} held
            {feed().dropped > 0 ? ` (${feed().dropped} more not kept)` : ''}
          </Show>
        </span>
      </div>
      <ErrorBanner error={tail.error === undefined ? null : describeError(tail.error)} testId="live-error" />
      <RequestsTable
        rows={feed().shown}
        onOpen={(id) => navigate(`/requests?id=${encodeURIComponent(id)}`)}
        caption="Live requests, newest first"
        emptyText="Waiting for requests…"
        testId="live-table"
      />
    </section>
  );
}
