import { Navigate } from '@solidjs/router';
import type { JSX } from 'solid-js';

/** `/` has no page of its own; keys are what an admin comes for first. */
export function HomeRedirect(): JSX.Element {
  return <Navigate href="/keys" />;
}
