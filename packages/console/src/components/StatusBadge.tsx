import type { JSX } from 'solid-js';

/** A key's status as a word and a colour; the word carries the meaning, the colour only helps. */
export function StatusBadge(props: { status: 'ACTIVE' | 'REVOKED'; testId?: string }): JSX.Element {
  return (
    <span class={`badge badge-${props.status.toLowerCase()}`} data-testid={props.testId}>
      {props.status === 'ACTIVE' ? 'Active' : 'Revoked'}
    </span>
  );
}
