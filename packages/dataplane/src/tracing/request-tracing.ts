import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import type { TracingConfig } from '@proxystacks/shared/tracing/tracing-config';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';

/**
 * Traces of the data plane: a server span per request and a client span per upstream attempt.
 * This module holds only the shapes: with tracing off (the default) the data plane holds null
 * instead, checks it once per request and per attempt, and never imports OpenTelemetry.
 */
export interface RequestTracing {
  /**
   * Starts the server span of a request on `route`, as a child of the client's `traceparent`
   * header ('' or malformed: a new trace). Call in the handler's synchronous part (uWS headers).
   */
  startRequest(route: string, traceparent: string, requestId: string): RequestSpan;
  /** Sends the spans still queued, then stops. */
  shutdown(): Promise<void>;
}

/** One request's server span. */
export interface RequestSpan {
  /** Starts the client span of one upstream attempt; `retryIndex` 0 is the request's first attempt. */
  startAttempt(deployment: CompiledDeployment, retryIndex: number): AttemptSpan;
  /** The request's outcome, from its event: status, alias, key prefix, tokens, cost (never the secret or the prompt). */
  recordOutcome(event: RequestEvent): void;
  /** Ends the span (once; later calls do nothing). */
  end(): void;
}

/** One upstream attempt's client span. */
export interface AttemptSpan {
  /** The `traceparent` header for the upstream request, naming this span as the parent. */
  readonly traceparent: string;
  /** Ends the span with the upstream status (0: none came) and the attempt's error code ('' on success); once. */
  end(upstreamStatus: number, errorCode: string): void;
}

/** Loads the OpenTelemetry implementation (the SDK and the exporter) only now, when tracing is on. */
export async function loadRequestTracing(config: TracingConfig): Promise<RequestTracing> {
  const { createOtelRequestTracing } = await import('./otel-request-tracing.ts');
  return createOtelRequestTracing(config);
}
