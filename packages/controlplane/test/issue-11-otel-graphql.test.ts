import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvReader } from '@proxystacks/shared/config/env-reader';
import { readTracingConfig } from '@proxystacks/shared/tracing/tracing-config';
import { startMockOtlpCollector, type MockOtlpCollector } from '@proxystacks/dataplane/mock/mock-otlp-collector';
import { loadOperationTracing, type OperationTracing } from '../src/graphql/operation-tracing.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';

/**
 * Issue 11: with an OTLP endpoint set, every GraphQL operation of the admin API is a server span
 * named by its type and name, a child of the caller's `traceparent`, without its variables. The
 * collector is a node:http server of this test on loopback (OTLP/HTTP JSON).
 */
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN_ID = 'b7ad6b7169203331';
const SECRET_VARIABLE = 'variable-value-that-must-never-be-traced-91b2';

describe('issue 11: OpenTelemetry spans of GraphQL operations', () => {
  let collector: MockOtlpCollector;
  let tracing: OperationTracing;
  let h: GraphQLHarness;

  beforeAll(async () => {
    collector = await startMockOtlpCollector();
    const read = new EnvReader({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.tracesUrl, OTEL_BSP_SCHEDULE_DELAY: '20' });
    const config = readTracingConfig(read, 'relay-controlplane');
    read.finish('test');
    tracing = await loadOperationTracing(config!);
    h = await startGraphQLHarness({ tracingPlugin: tracing.plugin, ...(process.env.TEST_DATABASE_URL ? { database: 'postgres' as const } : {}) });
  });

  afterAll(async () => {
    await h?.close();
    await tracing?.shutdown();
    await collector?.close();
  });

  it('records a span per operation, named by type and name, in the caller trace, without variables', async () => {
    const response = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.adminToken}`, traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`, 'x-request-id': 'otel-graphql-1' },
      body: JSON.stringify({ query: 'query Tokens($after: ID) { apiTokens(after: $after) { id } }', operationName: 'Tokens', variables: { after: SECRET_VARIABLE } }),
    });
    expect(response.status).toBe(200);
    await response.json();

    const spans = await collector.waitFor((all) => all.some((s) => s.traceId === TRACE_ID));
    const span = spans.find((s) => s.traceId === TRACE_ID)!;
    expect(span).toMatchObject({
      serviceName: 'relay-controlplane',
      name: 'query Tokens',
      kind: 2,
      parentSpanId: PARENT_SPAN_ID,
      attributes: { 'graphql.operation.type': 'query', 'graphql.operation.name': 'Tokens', 'relay.request_id': 'otel-graphql-1' },
    });
    expect(JSON.stringify(collector.spans)).not.toContain(SECRET_VARIABLE);
    expect(JSON.stringify(collector.spans)).not.toContain(h.adminToken);
  });

  it('marks an operation that failed as an error, with its error code', async () => {
    const { status } = await h.gql('mutation Revoke { revokeKey(id: "no-such-key") { id } }');
    expect(status).toBe(200);
    const spans = await collector.waitFor((all) => all.some((s) => s.name === 'mutation Revoke'));
    const span = spans.find((s) => s.name === 'mutation Revoke')!;
    expect(span.statusCode).toBe(2);
    expect(span.parentSpanId).toBe('');
    expect(typeof span.attributes['error.type']).toBe('string');
  });
});
