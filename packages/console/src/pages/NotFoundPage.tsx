import { A } from '@solidjs/router';
import type { JSX } from 'solid-js';

/** Any path the route table does not know. */
export function NotFoundPage(): JSX.Element {
  return (
    <section class="page">
      <h1>Page not found</h1>
      <p>
        There is no console page at this address. <A href="/">Go to the overview</A>.
      </p>
    </section>
  );
}
