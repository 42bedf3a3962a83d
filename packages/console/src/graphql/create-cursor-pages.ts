import type { TypedDocumentNode } from '@urql/core';
import { createQuery, useClient } from '@urql/solid';
import { createEffect, createSignal, on, type Accessor } from 'solid-js';
import { describeError, type ErrorDescription } from './describe-error.ts';

/** State and handlers of a list read a page at a time by cursor ("Load more"). */
export interface CursorPages<Row> {
  /** Every row loaded so far: the first page, then each page "Load more" added; undefined before the first answer. */
  rows: Accessor<Row[] | undefined>;
  hasMore: Accessor<boolean>;
  /** The first page is being fetched (a new filter or a refresh). */
  fetching: Accessor<boolean>;
  loadingMore: Accessor<boolean>;
  error: Accessor<ErrorDescription | null>;
  loadMore(): Promise<void>;
  /** Fetches the first page again, dropping the pages loaded after it. */
  refetch(): void;
}

/** One page of a connection-like answer: its rows and the cursor of the next page (null on the last). */
export interface CursorPage<Row> {
  rows: Row[];
  nextCursor: string | null;
}

/** Options of {@link createCursorPages}. */
export interface CursorPagesOptions<Data, Variables extends { after: string | null }, Row> {
  query: TypedDocumentNode<Data, Variables>;
  /** The question without the cursor; a change starts over from the first page. */
  variables: Accessor<Omit<Variables, 'after'>>;
  /** Where the rows and the next cursor are in an answer. */
  pageOf(data: Data): CursorPage<Row>;
  /** False holds the first query back (e.g. until the filter is known). */
  ready?: Accessor<boolean>;
  /** urql context, e.g. `additionalTypenames` so mutations refetch the list. */
  context?: { additionalTypenames: string[] };
}

/**
 * The first page through `createQuery` (it follows `variables`, once `ready`), later pages
 * appended by "Load more" with the previous page's cursor. Pages are kept only for the question
 * they answer: new variables or a refetch of the first page drop them, and a page that arrives
 * after the question changed is discarded.
 */
export function createCursorPages<Data, Variables extends { after: string | null }, Row>(options: CursorPagesOptions<Data, Variables, Row>): CursorPages<Row> {
  const client = useClient();
  const ready = options.ready ?? (() => true);
  const withCursor = (after: string | null): Variables => ({ ...options.variables(), after }) as Variables;
  const [first, refetchFirst] = createQuery({
    query: options.query,
    variables: () => withCursor(null),
    pause: () => !ready(),
    context: options.context,
    requestPolicy: 'cache-and-network',
  });
  const [more, setMore] = createSignal<CursorPage<Row> | null>(null);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [moreError, setMoreError] = createSignal<ErrorDescription | null>(null);
  let generation = 0;
  const firstPage = (): CursorPage<Row> | undefined => (first.data === undefined ? undefined : options.pageOf(first.data));

  createEffect(
    on([options.variables, () => first.data], () => {
      generation += 1;
      setMore(null);
      setMoreError(null);
      setLoadingMore(false);
    }),
  );

  const nextCursor = (): string | null => {
    const loaded = more();
    return loaded === null ? (firstPage()?.nextCursor ?? null) : loaded.nextCursor;
  };

  const loadMore = async (): Promise<void> => {
    const after = nextCursor();
    if (after === null || loadingMore()) return;
    const asked = generation;
    setLoadingMore(true);
    setMoreError(null);
    const result = await client.query(options.query, withCursor(after), { requestPolicy: 'network-only' }).toPromise();
    if (asked !== generation) return;
    setLoadingMore(false);
    if (result.error !== undefined || result.data === undefined) {
      setMoreError(result.error === undefined ? { message: 'The request failed.', code: null } : describeError(result.error));
      return;
    }
    const page = options.pageOf(result.data);
    setMore((previous) => ({ rows: [...(previous?.rows ?? []), ...page.rows], nextCursor: page.nextCursor }));
  };

  return {
    rows: () => {
      const loaded = firstPage();
      return loaded === undefined ? undefined : [...loaded.rows, ...(more()?.rows ?? [])];
    },
    hasMore: () => nextCursor() !== null,
    fetching: () => first.fetching,
    loadingMore,
    error: () => (first.error === undefined ? moreError() : describeError(first.error)),
    loadMore,
    refetch: () => refetchFirst({ requestPolicy: 'network-only' }),
  };
}
