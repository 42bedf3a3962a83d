import type { EnvReader } from '../config/env-reader.ts';

/** The samplers of the OpenTelemetry SDK environment specification (OTEL_TRACES_SAMPLER). */
export const TRACE_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];

/**
 * OpenTelemetry tracing, read from the standard OTEL_* variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). Null in a
 * process's config means tracing is off: nothing of OpenTelemetry is even imported then.
 */
export interface TracingConfig {
  /** Where spans are POSTed as OTLP/HTTP JSON: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. */
  tracesUrl: string;
  /** `service.name` of every span (OTEL_SERVICE_NAME). */
  serviceName: string;
  sampler: TraceSampler;
  /** Share of new traces the ratio samplers keep, 0 to 1 (OTEL_TRACES_SAMPLER_ARG, default 1). */
  samplerRatio: number;
  /** Longest a finished span waits before it is sent (OTEL_BSP_SCHEDULE_DELAY); spans leave in batches, off the request path. */
  exportDelayMs: number;
  /** Finished spans held while waiting to be sent; beyond it new spans are dropped (OTEL_BSP_MAX_QUEUE_SIZE). */
  maxQueuedSpans: number;
}

/**
 * Reads tracing settings through the process's EnvReader (problems join its other ones). Off
 * unless an OTLP endpoint is set; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off
 * again. Spans are sent as OTLP/HTTP JSON, which every OTLP/HTTP receiver (the Collector, Jaeger,
 * Tempo) accepts on the same path as protobuf; gRPC is refused rather than sent to the wrong port.
 */
export function readTracingConfig(read: EnvReader, defaultServiceName: string): TracingConfig | null {
  const signalUrl = read.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http:', 'https:']);
  const baseUrl = read.url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']);
  const disabled = read.boolean('OTEL_SDK_DISABLED', false);
  const exporter = read.oneOf('OTEL_TRACES_EXPORTER', ['otlp', 'none'], 'otlp');
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = read.raw(name);
    if (protocol !== undefined && protocol !== 'http/json' && protocol !== 'http/protobuf') {
      read.problem(name, `expected http/json or http/protobuf (spans are sent as OTLP/HTTP JSON), got ${JSON.stringify(protocol)}`);
    }
  }
  const sampler = read.oneOf('OTEL_TRACES_SAMPLER', TRACE_SAMPLERS, 'parentbased_always_on');
  const samplerRatio = readRatio(read, 'OTEL_TRACES_SAMPLER_ARG');
  const serviceName = read.string('OTEL_SERVICE_NAME', defaultServiceName);
  const exportDelayMs = read.integer('OTEL_BSP_SCHEDULE_DELAY', 5_000, { min: 1, max: 600_000 });
  const maxQueuedSpans = read.integer('OTEL_BSP_MAX_QUEUE_SIZE', 2_048, { min: 1, max: 1_000_000 });
  const tracesUrl = signalUrl ?? (baseUrl === null ? null : tracesUrlOf(baseUrl));
  if (tracesUrl === null || disabled || exporter === 'none') return null;
  return Object.freeze({ tracesUrl, serviceName, sampler, samplerRatio, exportDelayMs, maxQueuedSpans });
}

/** The base endpoint's traces path, as the OTLP exporter specification builds it. */
function tracesUrlOf(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1/traces`;
}

function readRatio(read: EnvReader, name: string): number {
  const value = read.raw(name);
  if (value === undefined) return 1;
  const ratio = /^\d+(\.\d+)?$|^\.\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(ratio >= 0 && ratio <= 1)) {
    read.problem(name, `expected a ratio from 0 to 1, got ${JSON.stringify(value)}`);
    return 1;
  }
  return ratio;
}
