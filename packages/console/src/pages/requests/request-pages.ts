import { createQuery, useClient } from '@urql/solid';
import { createEffect, createSignal, on, type Accessor } from 'solid-js';
import { describeError, type ErrorDescription } from '../../graphql/describe-error.ts';
import { RequestsPageQuery, type RequestRow, type RequestsVariables } from './requests.graphql.ts';

/** The list's question without the cursor: which range, outcome, scope and page size. */
export type RequestListFilter = Omit<RequestsVariables, 'after'>;

/** State and handlers of the recent-requests table. */
export interface RequestPages {
  /** Every row loaded so far, newest first: the first page, then each page "Load more" added. */
  rows: Accessor<RequestRow[] | undefined>;
  hasMore: Accessor<boolean>;
  /** The first page is being fetched (a new filter or a refresh). */
  fetching: Accessor<boolean>;
  loadingMore: Accessor<boolean>;
  error: Accessor<ErrorDescription | null>;
  loadMore(): Promise<void>;
  /** Fetches the first page again, dropping the pages loaded after it. */
  refetch(): void;
}

/**
 * The first page through `createQuery` (it follows `filter`, once `ready`), later pages appended by
 * "Load more" with the previous page's cursor. Pages are kept only for the question they
 * answer: a new filter or a refetch of the first page drops them, and a page that arrives
 * after the filter changed is discarded.
 */
export function createRequestPages(filter: Accessor<RequestListFilter>, ready: Accessor<boolean> = () => true): RequestPages {
  const client = useClient();
  const [first, refetchFirst] = createQuery({
    query: RequestsPageQuery,
    variables: () => ({ ...filter(), after: null }),
    pause: () => !ready(),
    requestPolicy: 'cache-and-network',
  });
  const [more, setMore] = createSignal<{ rows: RequestRow[]; nextCursor: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [moreError, setMoreError] = createSignal<ErrorDescription | null>(null);
  let generation = 0;

  createEffect(
    on([filter, () => first.data], () => {
      generation += 1;
      setMore(null);
      setMoreError(null);
      setLoadingMore(false);
    }),
  );

  const nextCursor = (): string | null => {
    const loaded = more();
    return loaded === null ? (first.data?.requests.nextCursor ?? null) : loaded.nextCursor;
  };

  const loadMore = async (): Promise<void> => {
    const after = nextCursor();
    if (after === null || loadingMore()) return;
    const asked = generation;
    setLoadingMore(true);
    setMoreError(null);
    const result = await client.query(RequestsPageQuery, { ...filter(), after }, { requestPolicy: 'network-only' }).toPromise();
    if (asked !== generation) return;
    setLoadingMore(false);
    if (result.error !== undefined || result.data === undefined) {
      setMoreError(result.error === undefined ? { message: 'The request failed.', code: null } : describeError(result.error));
      return;
    }
    const page = result.data.requests;
    setMore((previous) => ({ rows: [...(previous?.rows ?? []), ...page.entries], nextCursor: page.nextCursor }));
  };

  return {
    rows: () => {
      const firstPage = first.data?.requests.entries;
      if (firstPage === undefined) return undefined;
      return [...firstPage, ...(more()?.rows ?? [])];
    },
    hasMore: () => nextCursor() !== null,
    fetching: () => first.fetching,
    loadingMore,
    error: () => (first.error === undefined ? moreError() : describeError(first.error)),
    loadMore,
    refetch: () => refetchFirst({ requestPolicy: 'network-only' }),
  };
}
