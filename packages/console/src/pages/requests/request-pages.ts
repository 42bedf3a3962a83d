import type { Accessor } from 'solid-js';
import { createCursorPages, type CursorPages } from '../../graphql/create-cursor-pages.ts';
import { RequestsPageQuery, type RequestRow, type RequestsVariables } from './requests.graphql.ts';

/** The list's question without the cursor: which range, outcome, scope and page size. */
export type RequestListFilter = Omit<RequestsVariables, 'after'>;

/** State and handlers of the recent-requests table. */
export type RequestPages = CursorPages<RequestRow>;

/** The recent requests for `filter`, newest first, a page at a time (see createCursorPages). */
export function createRequestPages(filter: Accessor<RequestListFilter>, ready: Accessor<boolean> = () => true): RequestPages {
  return createCursorPages({ query: RequestsPageQuery, variables: filter, pageOf: (data) => ({ rows: data.requests.entries, nextCursor: data.requests.nextCursor }), ready });
}
