import type { JSX } from 'solid-js';

/** Statuses a badge can show: keys and tokens (EXPIRED is computed from an expiry, not stored). */
export type BadgeStatus = 'ACTIVE' | 'DISABLED' | 'REVOKED' | 'EXPIRED';

const WORDS: Record<BadgeStatus, string> = { ACTIVE: 'Active', DISABLED: 'Disabled', REVOKED: 'Revoked', EXPIRED: 'Expired' };

/** A status as a word and a colour; the word carries the meaning, the colour only helps. */
export function StatusBadge(props: { status: BadgeStatus; testId?: string }): JSX.Element {
  return (
    <span class={`badge badge-${props.status.toLowerCase()}`} data-testid={props.testId}>
      {WORDS[props.status]}
    </span>
  );
}
