import type { JSX } from 'solid-js';
import { CopyButton } from './CopyButton.tsx';

/**
 * A value the server returns once and never again (a set-up link, an API token), with a copy
 * button. Dismissing the panel drops it from memory.
 */
export function ShownOncePanel(props: { title: string; children: JSX.Element; value: string; copyLabel: string; testId: string; onDismiss(): void }): JSX.Element {
  return (
    <section class="panel panel-secret" aria-label={props.title} data-testid={props.testId}>
      <h2>{props.title}</h2>
      {props.children}
      <div class="secret-row">
        <code class="secret" data-testid={`${props.testId}-value`}>
          {props.value}
        </code>
        <CopyButton text={props.value} label={props.copyLabel} testId={`${props.testId}-copy`} />
      </div>
      <button type="button" class="button" onClick={() => props.onDismiss()} data-testid={`${props.testId}-dismiss`}>
        Done
      </button>
    </section>
  );
}
