import { describe, expect, it } from 'vitest';
import { EnvReader } from '../config/env-reader.ts';
import { readTracingConfig } from './tracing-config.ts';

function read(env: Record<string, string>) {
  const reader = new EnvReader(env);
  const config = readTracingConfig(reader, 'relay-test');
  reader.finish('test');
  return config;
}

describe('readTracingConfig (OTEL_* settings)', () => {
  it('is off without an endpoint, and when disabled or with no exporter', () => {
    expect(read({})).toBeNull();
    expect(read({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBeNull();
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
  });

  it('appends /v1/traces to the base endpoint and takes the traces endpoint as given', () => {
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({ tracesUrl: 'http://collector:4318/v1/traces', serviceName: 'relay-test', sampler: 'parentbased_always_on', samplerRatio: 1, exportDelayMs: 5000, maxQueuedSpans: 2048 });
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/custom', OTEL_SERVICE_NAME: 'gw', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toMatchObject({ tracesUrl: 'https://b/custom', serviceName: 'gw', sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
  });

  it('names every bad value', () => {
    expect(() => read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_TRACES_SAMPLER: 'sometimes', OTEL_TRACES_SAMPLER_ARG: '1.5', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT expected a http or https URL[\s\S]*OTEL_EXPORTER_OTLP_PROTOCOL expected http\/json or http\/protobuf[\s\S]*OTEL_TRACES_SAMPLER expected one of[\s\S]*OTEL_TRACES_SAMPLER_ARG expected a ratio from 0 to 1/,
    );
  });
});
