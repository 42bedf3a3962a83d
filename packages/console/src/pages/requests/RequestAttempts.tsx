import { For, Show, type JSX } from 'solid-js';
import { formatCount, formatLatencyMs } from '../../lib/format-number.ts';
import { RequestOutcome } from './RequestOutcome.tsx';
import type { RequestAttempt, RequestDetail } from './requests.graphql.ts';

/**
 * Every upstream attempt of a request, in order: provider, model sent upstream, the provider's
 * status, latency and error code. One small card per attempt (not a table), so it reads on a
 * 390 px phone without scrolling sideways.
 */
export function RequestAttempts(props: { request: RequestDetail }): JSX.Element {
  const r = (): RequestDetail => props.request;
  return (
    <Show
      when={r().attempts > 0}
      fallback={
        <span data-testid="detail-final-attempt">
          None: the relay answered <RequestOutcome statusCode={r().statusCode} errorCode={r().errorCode} /> itself in {formatLatencyMs(r().latencyMs)}
        </span>
      }
    >
      <Show when={r().attemptLog.length > 0} fallback={<LegacySummary request={r()} />}>
        <ol class="attempt-list" data-testid="detail-attempt-list">
          <For each={r().attemptLog}>{(attempt) => <AttemptItem attempt={attempt} />}</For>
        </ol>
        <Show when={r().attempts > r().attemptLog.length}>
          <p class="muted" data-testid="detail-attempts-omitted">
            {formatCount(r().attempts - r().attemptLog.length)} attempts between these are not recorded.
          </p>
        </Show>
      </Show>
    </Show>
  );
}

function AttemptItem(props: { attempt: RequestAttempt }): JSX.Element {
  const a = (): RequestAttempt => props.attempt;
  return (
    <li class="attempt" data-testid={`detail-attempt-${a().number}`}>
      <div class="attempt-head">
        <span class="attempt-number">#{a().number}</span>
        <span data-testid="attempt-provider">{a().providerName ?? `Deleted provider (${a().providerId})`}</span>
        <Show
          when={a().upstreamStatus}
          fallback={
            <span class="badge badge-error" data-testid="attempt-status">
              no answer
            </span>
          }
        >
          {(status) => <RequestOutcome statusCode={status()} errorCode={null} testId="attempt-status" />}
        </Show>
      </div>
      <div class="attempt-facts">
        <code data-testid="attempt-model">{a().upstreamModel}</code>
        <span data-testid="attempt-latency">{formatLatencyMs(a().latencyMs)}</span>
        <Show when={a().errorCode}>{(code) => <code class="attempt-error" data-testid="attempt-error">{code()}</code>}</Show>
      </div>
    </li>
  );
}

/** Requests recorded by data planes from before per-attempt detail: the count and the last attempt's outcome. */
function LegacySummary(props: { request: RequestDetail }): JSX.Element {
  const r = (): RequestDetail => props.request;
  return (
    <ol class="attempts" data-testid="detail-attempt-summary">
      <Show when={r().attempts > 1}>
        <li class="muted">
          {formatCount(r().attempts - 1)} earlier {r().attempts === 2 ? 'attempt' : 'attempts'} failed over to the next deployment
        </li>
      </Show>
      <li data-testid="detail-final-attempt">
        Final attempt {r().attempts}: {r().upstreamModel ?? r().model}, <RequestOutcome statusCode={r().statusCode} errorCode={r().errorCode} />,{' '}
        {formatLatencyMs(r().latencyMs)}
        <Show when={r().upstreamErrorCode}>{(code) => <> (provider said <code>{code()}</code>)</>}</Show>
      </li>
    </ol>
  );
}
