import { Show, createSignal, type JSX } from 'solid-js';
import { ScopeLimits, type ScopeLimitsProps } from './ScopeLimits.tsx';

/** A collapsed "Limits and budgets" section that loads its scope's limits only once opened. */
export function LimitsDetails(props: ScopeLimitsProps & { summary?: string }): JSX.Element {
  const [open, setOpen] = createSignal(false);
  return (
    <details class="limits-details" onToggle={(event) => setOpen(event.currentTarget.open)} data-testid={`limits-details-${props.scope.toLowerCase()}-${props.scopeId}`}>
      <summary>{props.summary ?? 'Limits and budgets'}</summary>
      <Show when={open()}>
        <ScopeLimits scope={props.scope} scopeId={props.scopeId} teamId={props.teamId} />
      </Show>
    </details>
  );
}
