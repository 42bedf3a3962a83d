import type { Plugin } from 'graphql-yoga';
import type { TracingConfig } from '@proxystacks/shared/tracing/tracing-config';

/**
 * Traces of the admin API: one span per GraphQL operation (name and type, never its variables),
 * as a Yoga plugin. This module holds only the shape; with tracing off (the default) the plugin
 * is absent and nothing of OpenTelemetry is imported.
 */
export interface OperationTracing {
  readonly plugin: Plugin;
  /** Sends the spans still queued, then stops. */
  shutdown(): Promise<void>;
}

/** Loads the OpenTelemetry implementation only now, when tracing is on. */
export async function loadOperationTracing(config: TracingConfig): Promise<OperationTracing> {
  const { createOtelOperationTracing } = await import('./otel-operation-tracing.ts');
  return createOtelOperationTracing(config);
}
