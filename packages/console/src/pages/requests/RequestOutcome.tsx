import { Show, type JSX } from 'solid-js';

/** A request's HTTP status as a badge, with the Relay error code beside it when it failed. */
export function RequestOutcome(props: { statusCode: number; errorCode: string | null; testId?: string }): JSX.Element {
  const failed = (): boolean => props.statusCode >= 400;
  return (
    <span data-testid={props.testId}>
      <span class={`badge ${failed() ? 'badge-error' : 'badge-success'}`}>{props.statusCode}</span>
      <Show when={props.errorCode}>{(code) => <code class="muted"> {code()}</code>}</Show>
    </span>
  );
}
