import { Show, type JSX } from 'solid-js';
import type { ErrorDescription } from '../graphql/describe-error.ts';

/** An error callout for the user: the message, and the stable code support can search for. */
export function ErrorBanner(props: { error: ErrorDescription | null | undefined; testId?: string }): JSX.Element {
  return (
    <Show when={props.error}>
      {(error) => (
        <div class="banner banner-error" role="alert" data-testid={props.testId ?? 'error-banner'}>
          <span>{error().message}</span>
          <Show when={error().code}>{(code) => <code class="error-code">{code()}</code>}</Show>
        </div>
      )}
    </Show>
  );
}
