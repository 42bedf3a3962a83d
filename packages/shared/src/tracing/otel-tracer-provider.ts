import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TraceSampler, TracingConfig } from './tracing-config.ts';

/** A process's tracer and the means to send what is left when it stops. */
export interface OtelTracing {
  readonly tracer: Tracer;
  /** Sends the spans still queued, then stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * The OpenTelemetry SDK for one process, configured from {@link TracingConfig} only (never from
 * the SDK's own reading of process.env, which the planes' config.ts owns): spans leave through a
 * BatchSpanProcessor, so a request only queues its finished span and the OTLP/HTTP export runs
 * on a timer, in batches, off the request path. Not registered as the global provider: the
 * planes pass their tracer explicitly, and a library's own instrumentation stays a no-op.
 * Import this module only when tracing is on (dynamic import): it loads the whole SDK.
 */
export function startOtelTracing(config: TracingConfig, instrumentationScope: string): OtelTracing {
  const exporter = new OTLPTraceExporter({ url: config.tracesUrl });
  const processor = new BatchSpanProcessor(exporter, {
    scheduledDelayMillis: config.exportDelayMs,
    maxQueueSize: config.maxQueuedSpans,
    maxExportBatchSize: Math.min(512, config.maxQueuedSpans),
    exportTimeoutMillis: 30_000,
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    sampler: samplerOf(config.sampler, config.samplerRatio),
    spanProcessors: [processor],
  });
  return {
    tracer: provider.getTracer(instrumentationScope),
    shutdown: () => provider.shutdown(),
  };
}

function samplerOf(sampler: TraceSampler, ratio: number): Sampler {
  switch (sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}
