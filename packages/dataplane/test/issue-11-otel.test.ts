import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayPrefix } from '@proxystacks/shared/keys/key-format';
import { sealSnapshotCredential, snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import { startMockOtlpCollector, type CollectedSpan, type MockOtlpCollector } from '../src/mock/mock-otlp-collector.ts';
import { INTERNAL_TOKEN, KEY_SECRET, startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 11: OpenTelemetry traces, off by default. With an OTLP endpoint set, a chat completion
 * is a server span continuing the client's W3C trace, with one client span per upstream attempt
 * whose id goes to the upstream as its `traceparent`; with none set, no OpenTelemetry module is
 * even loaded. The collector and the upstream are node:http servers of this test on loopback.
 */

const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const UPSTREAM_CREDENTIAL = 'sk-upstream-credential-that-must-never-be-traced';
const PROMPT = 'a prompt that must never appear in a span 7f3a9c';

/** An OpenAI-compatible upstream that records the headers of every request and answers with usage. */
async function startRecordingUpstream(): Promise<{ baseUrl: string; headers: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    headers.push(req.headers);
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'traced-1', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, headers, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('issue 11: OpenTelemetry traces on the data plane', () => {
  let collector: MockOtlpCollector;
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  let h: Harness;

  beforeAll(async () => {
    collector = await startMockOtlpCollector();
    upstream = await startRecordingUpstream();
    h = await startHarness({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.tracesUrl, OTEL_SERVICE_NAME: 'relay-dp-test', OTEL_BSP_SCHEDULE_DELAY: '20' });
    h.applySnapshot((c) => {
      c.providers.push({ id: 'prov-traced', orgId: 'org-1', name: 'Traced', type: 'openai_compatible', baseUrl: upstream.baseUrl, credential: sealSnapshotCredential(UPSTREAM_CREDENTIAL, snapshotCredentialKey(INTERNAL_TOKEN), 'prov-traced'), environments: [] });
      // The first deployment refuses connections (nothing listens on port 9): two attempts.
      c.routes.push({
        orgId: 'org-1',
        alias: 'traced',
        deployments: [
          { id: 'dep-traced-down', providerId: 'prov-down', upstreamModel: 'gpt-x', priority: 0, weight: 1, pricingRuleId: null, environment: '' },
          { id: 'dep-traced', providerId: 'prov-traced', upstreamModel: 'traced-1', priority: 1, weight: 1, pricingRuleId: 'rule-1', environment: '' },
        ],
      });
    });
  });

  afterAll(async () => {
    await h?.close();
    await upstream?.close();
    await collector?.close();
  });

  it('continues the client trace: a server span, one client span per attempt, the attempt as the upstream parent, no secrets', async () => {
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json', traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01` },
      body: JSON.stringify({ model: 'traced', messages: [{ role: 'user', content: PROMPT }] }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const requestId = response.headers.get('x-request-id')!;
    const event = await h.eventFor(requestId);
    expect(event.attempts).toBe(2);

    const spans = await collector.waitFor((all) => all.filter((s) => s.traceId === CLIENT_TRACE_ID).length >= 3);
    const ours = spans.filter((s) => s.traceId === CLIENT_TRACE_ID);
    const server = ours.find((s) => s.kind === 2)!;
    expect(server).toMatchObject({
      serviceName: 'relay-dp-test',
      name: 'POST /v1/chat/completions',
      parentSpanId: CLIENT_SPAN_ID,
      statusCode: 0,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/v1/chat/completions',
        'http.response.status_code': 200,
        'relay.request_id': requestId,
        'relay.model_alias': 'traced',
        'relay.key_prefix': displayPrefix(h.activeKey),
        'gen_ai.usage.input_tokens': 11,
        'gen_ai.usage.output_tokens': 3,
        'relay.cost_micros': event.cost_micros,
        'relay.attempts': 2,
      },
    });
    expect(event.cost_micros).toBeGreaterThan(0);

    const attempts = ours.filter((s) => s.kind === 3).sort((a, b) => Number(a.attributes['relay.retry_index']) - Number(b.attributes['relay.retry_index']));
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) expect(attempt.parentSpanId).toBe(server.spanId);
    expect(attempts[0]).toMatchObject({ name: 'chat gpt-x', statusCode: 2, attributes: { 'relay.retry_index': 0, 'relay.deployment_id': 'dep-traced-down', 'gen_ai.provider.name': 'openai_compatible', 'gen_ai.request.model': 'gpt-x', 'relay.error_code': 'upstream_error' } });
    expect(attempts[1]).toMatchObject({ name: 'chat traced-1', statusCode: 0, attributes: { 'relay.retry_index': 1, 'relay.deployment_id': 'dep-traced', 'gen_ai.request.model': 'traced-1', 'http.response.status_code': 200 } });
    expect(attempts[1]!.attributes['relay.error_code']).toBeUndefined();

    // The upstream saw the second attempt's span as its parent, in the client's trace.
    expect(upstream.headers.at(-1)?.traceparent).toBe(`00-${CLIENT_TRACE_ID}-${attempts[1]!.spanId}-01`);
    expect(upstream.headers.at(-1)?.authorization).toBe(`Bearer ${UPSTREAM_CREDENTIAL}`);

    const everything = JSON.stringify(collector.spans);
    for (const secret of [h.activeKey, UPSTREAM_CREDENTIAL, PROMPT, KEY_SECRET, INTERNAL_TOKEN]) expect(everything).not.toContain(secret);
  });

  it('starts a trace of its own when the client sends none (or a malformed one)', async () => {
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json', traceparent: `00-${'0'.repeat(32)}-${CLIENT_SPAN_ID}-01` },
      body: JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const requestId = response.headers.get('x-request-id')!;
    await response.arrayBuffer();
    const spans = await collector.waitFor((all) => all.some((s) => s.attributes['relay.request_id'] === requestId));
    const server = spans.find((s) => s.attributes['relay.request_id'] === requestId)!;
    expect(server.parentSpanId).toBe('');
    expect(server.traceId).not.toBe('0'.repeat(32));
    expect(spans.filter((s: CollectedSpan) => s.parentSpanId === server.spanId && s.kind === 3)).toHaveLength(1);
  });
});

describe('issue 11: tracing off loads nothing of OpenTelemetry', () => {
  const probe = fileURLToPath(new URL('./support/otel-load-probe.ts', import.meta.url));
  const run = async (env: Record<string, string>) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe], { env: { ...process.env, ...env }, timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as { status: number; modules: number; opentelemetry: string[] };
  };

  it('resolves no @opentelemetry module while serving a request with tracing off, and does with it on (the probe sees imports)', async () => {
    const [off, on] = await Promise.all([run({}), run({ PROBE_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces' })]);
    expect(off.status).toBe(200);
    expect(off.modules).toBeGreaterThan(100);
    expect(off.opentelemetry).toEqual([]);
    expect(on.status).toBe(200);
    expect(on.opentelemetry.some((url) => url.includes('@opentelemetry/sdk-trace-base'))).toBe(true);
  });
});
