import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { startOtelTracing } from '@proxystacks/shared/tracing/otel-tracer-provider';
import { SPAN_ATTRIBUTES as A } from '@proxystacks/shared/tracing/span-attributes';
import { parseTraceparent } from '@proxystacks/shared/tracing/traceparent';
import type { TracingConfig } from '@proxystacks/shared/tracing/tracing-config';
import type { OperationTracing } from './operation-tracing.ts';

/** What the plugin reads of an operation's context (Yoga's request; ours, once built, has the request id). */
interface TracedContext {
  request?: Request;
  origin?: { requestId?: string };
}

/**
 * {@link OperationTracing} on the OpenTelemetry SDK: a server span per executed query or mutation
 * (onExecute, ended with its result) and per subscription (onSubscribe, ended with its stream),
 * named `<type> <name>` as the GraphQL semantic conventions say, a child of the caller's
 * `traceparent` when it sent one. Variables and the document are never recorded: they carry
 * passwords, keys and provider credentials.
 */
export function createOtelOperationTracing(config: TracingConfig): OperationTracing {
  const otel = startOtelTracing(config, '@proxystacks/controlplane');
  const startSpan = (document: DocumentNode, operationName: string | null | undefined, context: TracedContext): Span => {
    const operation = getOperationAST(document, operationName);
    const type = operation?.operation ?? 'unknown';
    const name = operation?.name?.value ?? '';
    const parent = parseTraceparent(context.request?.headers.get('traceparent') ?? '');
    const parentContext = parent === null ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.flags & 1, isRemote: true });
    return otel.tracer.startSpan(
      name === '' ? type : `${type} ${name}`,
      {
        kind: SpanKind.SERVER,
        attributes: { [A.graphqlOperationType]: type, ...(name === '' ? {} : { [A.graphqlOperationName]: name }), ...(context.origin?.requestId ? { [A.requestId]: context.origin.requestId } : {}) },
      },
      parentContext,
    );
  };
  const plugin: Plugin = {
    onExecute({ args }) {
      const span = startSpan(args.document, args.operationName, args.contextValue as TracedContext);
      return {
        onExecuteDone({ result }) {
          // An incremental (@defer/@stream) result: the span covers its start only.
          endSpan(span, Symbol.asyncIterator in result ? null : result);
        },
      };
    },
    onSubscribe({ args }) {
      const span = startSpan(args.document, args.operationName, args.contextValue as TracedContext);
      return {
        onSubscribeError() {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) return void endSpan(span, result);
          return { onEnd: () => span.end() };
        },
      };
    },
  };
  return { plugin, shutdown: () => otel.shutdown() };
}

/** Ends an operation's span; with errors in its result, the span is an error of the first error's code. */
function endSpan(span: Span, result: ExecutionResult | null): void {
  const first = result?.errors?.[0];
  if (first !== undefined) {
    const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'graphql_error';
    span.setAttributes({ [A.errorType]: code });
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
