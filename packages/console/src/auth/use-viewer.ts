import { createQuery } from '@urql/solid';
import type { Accessor } from 'solid-js';
import { ViewerQuery, type Viewer } from '../graphql/viewer.graphql.ts';

/**
 * The signed-in viewer, from urql's cache after the header's first fetch (one request per
 * session). Undefined while loading, so permission checks hide controls until they know.
 */
export function useViewer(): Accessor<Viewer | undefined> {
  const [viewer] = createQuery({ query: ViewerQuery });
  return () => viewer.data?.viewer;
}
