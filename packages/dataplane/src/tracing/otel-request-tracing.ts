import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { startOtelTracing } from '@proxystacks/shared/tracing/otel-tracer-provider';
import { SPAN_ATTRIBUTES as A } from '@proxystacks/shared/tracing/span-attributes';
import { formatTraceparent, parseTraceparent } from '@proxystacks/shared/tracing/traceparent';
import type { TracingConfig } from '@proxystacks/shared/tracing/tracing-config';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import type { AttemptSpan, RequestSpan, RequestTracing } from './request-tracing.ts';

/**
 * {@link RequestTracing} on the OpenTelemetry SDK (shared/tracing/otel-tracer-provider.ts):
 * contexts are passed explicitly, parent to child, so no async-context machinery runs per
 * request; the upstream hears of the trace through the `traceparent` header of each attempt.
 */
export function createOtelRequestTracing(config: TracingConfig): RequestTracing {
  const otel = startOtelTracing(config, '@proxystacks/dataplane');
  return {
    startRequest(route, traceparent, requestId) {
      const parent = traceparent === '' ? null : parseTraceparent(traceparent);
      const parentContext = parent === null ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.flags & 1, isRemote: true });
      const span = otel.tracer.startSpan(
        `POST ${route}`,
        { kind: SpanKind.SERVER, attributes: { [A.httpMethod]: 'POST', [A.httpRoute]: route, [A.requestId]: requestId } },
        parentContext,
      );
      return new OtelRequestSpan(otel.tracer, span, route === '/v1/embeddings' ? 'embeddings' : 'chat');
    },
    shutdown: () => otel.shutdown(),
  };
}

class OtelRequestSpan implements RequestSpan {
  #ended = false;
  readonly tracer: Tracer;
  readonly span: Span;
  /** gen_ai.operation.name of the attempts. */
  readonly operation: string;
  readonly #context: Context;

  constructor(tracer: Tracer, span: Span, operation: string) {
    this.tracer = tracer;
    this.span = span;
    this.operation = operation;
    this.#context = trace.setSpan(ROOT_CONTEXT, span);
  }

  startAttempt(deployment: CompiledDeployment, retryIndex: number): AttemptSpan {
    const span = this.tracer.startSpan(
      `${this.operation} ${deployment.upstreamModel}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [A.genAiOperation]: this.operation,
          [A.genAiProvider]: deployment.provider.type,
          [A.genAiRequestModel]: deployment.upstreamModel,
          [A.deploymentId]: deployment.id,
          [A.providerId]: deployment.provider.id,
          [A.retryIndex]: retryIndex,
        },
      },
      this.#context,
    );
    const { traceId, spanId, traceFlags } = span.spanContext();
    return new OtelAttemptSpan(span, formatTraceparent(traceId, spanId, traceFlags));
  }

  recordOutcome(event: RequestEvent): void {
    if (this.#ended) return;
    this.span.setAttributes({
      [A.httpStatusCode]: event.status_code,
      [A.modelAlias]: event.alias,
      [A.keyPrefix]: event.key_prefix,
      [A.genAiInputTokens]: event.prompt_tokens,
      [A.genAiOutputTokens]: event.completion_tokens,
      [A.cachedTokens]: event.cached_tokens,
      [A.costMicros]: event.cost_micros,
      [A.attempts]: event.attempts,
    });
    if (event.stream_end !== '') this.span.setAttribute(A.streamEnd, event.stream_end);
    if (event.error_code !== '') this.span.setAttributes({ [A.errorCode]: event.error_code, [A.errorType]: event.error_code });
    if (event.upstream_error_code !== '') this.span.setAttribute(A.upstreamErrorCode, event.upstream_error_code);
    // Server spans: only a 5xx is the server's error (semantic conventions, HTTP spans).
    if (event.status_code >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR });
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.span.end();
  }
}

class OtelAttemptSpan implements AttemptSpan {
  #ended = false;
  readonly span: Span;
  readonly traceparent: string;

  constructor(span: Span, traceparent: string) {
    this.span = span;
    this.traceparent = traceparent;
  }

  end(upstreamStatus: number, errorCode: string): void {
    if (this.#ended) return;
    this.#ended = true;
    if (upstreamStatus !== 0) this.span.setAttribute(A.httpStatusCode, upstreamStatus);
    if (errorCode !== '') {
      this.span.setAttributes({ [A.errorCode]: errorCode, [A.errorType]: errorCode });
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.span.end();
  }
}
