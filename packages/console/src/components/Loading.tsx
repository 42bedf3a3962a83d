import type { JSX } from 'solid-js';

/** A polite status line for screen readers while data loads. */
export function Loading(props: { label?: string }): JSX.Element {
  return (
    <p class="muted" role="status">
      {props.label ?? 'Loading…'}
    </p>
  );
}
