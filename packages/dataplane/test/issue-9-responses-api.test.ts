import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import { sealSnapshotCredential, snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import { mockReplyWords } from '../src/mock/mock-directives.ts';
import { INTERNAL_TOKEN, PRICES, anthropicMockProvider, singleRoute, startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 9: `POST /v1/responses` (OpenAI's Responses API) onto any upstream. The official OpenAI
 * SDK (`client.responses.create` / `.stream`) talks to a real data plane over loopback; the
 * answer comes from the mock provider on the OpenAI wire (`relay-mini`), the Anthropic wire
 * (`claude`) and the Gemini wire (`gem`), so the same Responses request works whichever
 * provider an alias routes to.
 */
let h: Harness;
let client: OpenAI;
beforeAll(async () => {
  h = await startHarness();
  h.applySnapshot((content) => {
    content.providers.push(anthropicMockProvider(h, 'prov-anthropic'));
    content.providers.push({
      id: 'prov-gemini',
      orgId: 'org-1',
      name: 'Gemini (mock wire)',
      type: 'gemini',
      baseUrl: h.upstream.baseUrl.replace(/\/v1$/, '/v1beta'),
      credential: sealSnapshotCredential('test-gemini-key', snapshotCredentialKey(INTERNAL_TOKEN), 'prov-gemini'),
      environments: [],
    });
    content.routes.push(singleRoute('claude', 'prov-anthropic', 'claude-mock-1'), singleRoute('gem', 'prov-gemini', 'gemini-2.5-flash'));
  });
  client = new OpenAI({ apiKey: h.activeKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const WIRES = [
  { wire: 'OpenAI', model: 'relay-mini', upstreamModel: 'mock-1', providerType: 'mock' },
  { wire: 'Anthropic', model: 'claude', upstreamModel: 'claude-mock-1', providerType: 'anthropic' },
  { wire: 'Gemini', model: 'gem', upstreamModel: 'gemini-2.5-flash', providerType: 'gemini' },
] as const;
const TOOLS: OpenAI.Responses.FunctionTool[] = [
  { type: 'function', name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { query: { type: 'string' } } }, strict: false },
  { type: 'function', name: 'get_time', parameters: { type: 'object', properties: { query: { type: 'string' } } }, strict: false },
];
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** The request id of a response: `resp_<hex>` answers `req_<hex>`. */
const requestIdOf = (responseId: string) => `req_${responseId.slice('resp_'.length)}`;

function post(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${h.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** Checks the order the SDK and OpenAI's docs promise: numbered from 0, created → in_progress first, one terminal event last. */
function expectLifecycle(events: ResponseStreamEvent[], terminal: string): void {
  expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  expect(events.slice(0, 2).map((e) => e.type)).toEqual(['response.created', 'response.in_progress']);
  expect(events.at(-1)!.type).toBe(terminal);
  expect(events.filter((e) => e.type.startsWith('response.') && ['completed', 'incomplete', 'failed'].includes(e.type.slice(9)))).toHaveLength(1);
}

describe.each(WIRES)('the Responses API onto the $wire wire', ({ model, upstreamModel, providerType }) => {
  it('answers a plain request with a response object, and records usage and cost in the event', async () => {
    const { data, response } = await client.responses.create({ model, input: 'Hello mock:words=5', metadata: { team: 'search' }, store: true }).withResponse();
    expect(data.id).toBe(`resp_${response.headers.get('x-request-id')!.slice(4)}`);
    expect(data).toMatchObject({ object: 'response', status: 'completed', model: upstreamModel, error: null, incomplete_details: null, metadata: { team: 'search' }, store: false });
    expect(data.output_text).toBe(mockReplyWords(5).join(' '));
    expect(data.output).toEqual([{ type: 'message', id: expect.stringMatching(/^msg_/), status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: mockReplyWords(5).join(' '), annotations: [], logprobs: [] }] }]);
    const usage = data.usage!;
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
    expect(usage.input_tokens_details.cached_tokens).toBe(0);
    expect(usage.output_tokens_details.reasoning_tokens).toBe(0);
    expect(await h.eventFor(requestIdOf(data.id))).toMatchObject({
      alias: model,
      provider_type: providerType,
      upstream_model: upstreamModel,
      status_code: 200,
      streamed: false,
      usage_source: 'provider',
      finish_reason: 'stop',
      prompt_tokens: usage.input_tokens,
      completion_tokens: usage.output_tokens,
      cost_micros: priceRequest({ promptTokens: usage.input_tokens, completionTokens: usage.output_tokens, cachedTokens: 0, cacheWriteTokens: 0 }, PRICES),
    });
  });

  it('streams the typed events in order, and the SDK assembles the same response', async () => {
    const stream = client.responses.stream({ model, input: 'Hi mock:words=7', instructions: 'Be terse.' });
    const events = await collect(stream);
    const final = await stream.finalResponse();
    expectLifecycle(events, 'response.completed');
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t !== 'response.output_text.delta')).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(7);
    expect(final.output_text).toBe(mockReplyWords(7).join(' '));
    expect(final).toMatchObject({ status: 'completed', instructions: 'Be terse.', model: upstreamModel });
    const usage = final.usage!;
    expect(usage.output_tokens).toBeGreaterThan(0);
    const event = await h.eventFor(requestIdOf(final.id));
    expect(event).toMatchObject({ streamed: true, stream_end: 'done', status_code: 200, usage_source: 'provider', prompt_tokens: usage.input_tokens, completion_tokens: usage.output_tokens });
    expect(event.cost_micros).toBe(priceRequest({ promptTokens: usage.input_tokens, completionTokens: usage.output_tokens, cachedTokens: 0, cacheWriteTokens: 0 }, PRICES));
    expect(event.ttft_ms).not.toBeNull();
  });

  it('returns a function call with its call_id, and takes its output back in the next turn', async () => {
    const first = await client.responses.create({ model, input: 'Weather? mock:words=3', tools: TOOLS, tool_choice: 'required' });
    expect(first.status).toBe('completed');
    const call = first.output[0]!;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed', call_id: expect.any(String), id: expect.stringMatching(/^fc_/) });
    expect(JSON.parse((call as OpenAI.Responses.ResponseFunctionToolCall).arguments)).toMatchObject({ query: expect.any(String) });
    const followUp = await client.responses.create({
      model,
      tools: TOOLS,
      input: [
        { role: 'user', content: 'Weather?' },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: (call as OpenAI.Responses.ResponseFunctionToolCall).call_id, output: 'Sunny' },
        { role: 'user', content: 'Thanks. mock:words=2' },
      ],
    });
    expect(followUp.output_text).toBe(mockReplyWords(2).join(' '));
    expect(await h.eventFor(requestIdOf(followUp.id))).toMatchObject({ finish_reason: 'stop', status_code: 200 });
  });

  it('streams a function call: item added with name and call_id, argument deltas, then done', async () => {
    const stream = client.responses.stream({ model, input: 'Weather?', tools: TOOLS, tool_choice: { type: 'function', name: 'get_time' } });
    const events = await collect(stream);
    const final = await stream.finalResponse();
    expectLifecycle(events, 'response.completed');
    const added = events.find((e) => e.type === 'response.output_item.added')!;
    expect(added).toMatchObject({ output_index: 0, item: { type: 'function_call', name: 'get_time', status: 'in_progress', call_id: expect.any(String) } });
    const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta);
    const done = events.find((e) => e.type === 'response.function_call_arguments.done')!;
    expect(done).toMatchObject({ name: 'get_time', arguments: deltas.join('') });
    expect(JSON.parse(deltas.join(''))).toMatchObject({ query: expect.any(String) });
    expect(final.output).toHaveLength(1);
    expect(final.output[0]).toMatchObject({ type: 'function_call', id: expect.stringMatching(/^fc_/), status: 'completed', call_id: (added as { item: { call_id: string } }).item.call_id, name: 'get_time', arguments: deltas.join('') });
    expect(await h.eventFor(requestIdOf(final.id))).toMatchObject({ finish_reason: 'tool_calls', stream_end: 'done' });
  });

  it('takes an image as an input_image part (data: URL)', async () => {
    const data = await client.responses.create({
      model,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is this? mock:words=3' }, { type: 'input_image', image_url: `data:image/png;base64,${PNG_1PX}`, detail: 'auto' }] }],
    });
    expect(data.output_text).toBe(mockReplyWords(3).join(' '));
  });

  it('refuses previous_response_id clearly (Relay keeps no responses), and records the refusal', async () => {
    const error = (await client.responses.create({ model, input: 'Hi', previous_response_id: 'resp_123' }).catch((err: unknown) => err)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.status).toBe(400);
    expect(error.error).toEqual({ type: 'invalid_request_error', code: 'unsupported_parameter', param: 'previous_response_id', message: expect.stringContaining('send the whole conversation in input') });
    expect(await h.eventFor(error.requestID!)).toMatchObject({ status_code: 400, error_code: 'unsupported_parameter' });
  });
});

describe('Anthropic-only checks (its mock echoes what it received)', () => {
  it('sends instructions, the conversation and the image to the upstream translated', async () => {
    const data = await client.responses.create({
      model: 'claude',
      instructions: 'You are terse.',
      max_output_tokens: 50,
      input: [
        { role: 'user', content: 'First question' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'First answer', annotations: [] }] } as unknown as OpenAI.Responses.ResponseInputItem,
        { role: 'user', content: [{ type: 'input_text', text: 'mock:echo' }, { type: 'input_image', image_url: 'https://example.com/cat.jpg', detail: 'auto' }] },
      ],
    });
    expect(JSON.parse(data.output_text)).toMatchObject({
      model: 'claude-mock-1',
      max_tokens: 50,
      system: [{ type: 'text', text: 'You are terse.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'First question' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'First answer' }] },
        { role: 'user', content: [{ type: 'text', text: 'mock:echo' }, { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } }] },
      ],
    });
  });

  it('names the Responses param when the upstream adapter refuses part of the request (an image type Anthropic does not take)', async () => {
    const response = await post({ model: 'claude', input: [{ role: 'user', content: [{ type: 'input_text', text: 'x' }, { type: 'input_image', image_url: 'data:image/bmp;base64,Qk0=' }] }] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({ code: 'invalid_value', param: 'input[0].content[1].image_url' });
  });

  it('answers JSON mode (text.format json_schema and json_object) with text that parses', async () => {
    const schema = { type: 'object', properties: { query: { type: 'string' } }, required: ['query'], additionalProperties: false };
    const data = await client.responses.create({ model: 'claude', input: 'Give JSON', text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } } });
    expect(data.output.map((item) => item.type)).toEqual(['message']);
    expect(JSON.parse(data.output_text)).toEqual({ query: expect.any(String) });
    expect(data.text).toEqual({ format: { type: 'json_schema', name: 'answer', schema, strict: true } });
    const stream = client.responses.stream({ model: 'claude', input: 'Give JSON', text: { format: { type: 'json_object' } } });
    await collect(stream);
    expect(JSON.parse((await stream.finalResponse()).output_text)).toEqual({ query: expect.any(String) });
  });

  it('streams parallel function calls as separate items, each complete', async () => {
    const stream = client.responses.stream({ model: 'claude', input: 'Weather and time? mock:tool-call=2', tools: TOOLS });
    const events = await collect(stream);
    const final = await stream.finalResponse();
    expectLifecycle(events, 'response.completed');
    expect(final.output.map((item) => (item as OpenAI.Responses.ResponseFunctionToolCall).name)).toEqual(['get_weather', 'get_time']);
    for (const item of final.output) expect(JSON.parse((item as OpenAI.Responses.ResponseFunctionToolCall).arguments)).toEqual({ query: expect.any(String) });
    expect(new Set(final.output.map((item) => (item as OpenAI.Responses.ResponseFunctionToolCall).call_id)).size).toBe(2);
  });

  it('reports cached and reasoning tokens in the usage details, and meters the cached ones at their price', async () => {
    const data = await client.responses.create({ model: 'claude', input: 'Hi mock:words=4 mock:cached=3 mock:reasoning=2' });
    const usage = data.usage!;
    expect(usage.input_tokens_details.cached_tokens).toBe(3);
    expect(usage.output_tokens_details.reasoning_tokens).toBe(2);
    expect(await h.eventFor(requestIdOf(data.id))).toMatchObject({
      prompt_tokens: usage.input_tokens,
      cached_tokens: 3,
      cost_micros: priceRequest({ promptTokens: usage.input_tokens, completionTokens: usage.output_tokens, cachedTokens: 3, cacheWriteTokens: 0 }, PRICES),
    });
  });

  it('marks a response cut by max_output_tokens incomplete, as JSON and as a stream', async () => {
    const data = await client.responses.create({ model: 'claude', input: 'mock:words=10', max_output_tokens: 3 });
    expect(data).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output_text: mockReplyWords(3).join(' ') });
    expect(data.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
    const stream = client.responses.stream({ model: 'claude', input: 'mock:words=10', max_output_tokens: 3 });
    const events = await collect(stream);
    expectLifecycle(events, 'response.incomplete');
    expect(await stream.finalResponse()).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(await h.eventFor(requestIdOf(data.id))).toMatchObject({ finish_reason: 'length', status_code: 200 });
  });
});

describe('the wire and the route', () => {
  it('puts each event on the wire as `event: <type>` with its JSON, and no [DONE] line', async () => {
    const response = await post({ model: 'relay-mini', input: 'mock:words=2', stream: true });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text).not.toContain('[DONE]');
    const frames = text.trimEnd().split('\n\n');
    for (const frame of frames) {
      const [eventLine, dataLine, ...rest] = frame.split('\n');
      expect(rest).toEqual([]);
      expect(eventLine).toBe(`event: ${(JSON.parse(dataLine!.slice('data: '.length)) as { type: string }).type}`);
    }
    expect(frames.at(-1)).toContain('event: response.completed');
  });

  it('falls back to the next deployment like chat completions', async () => {
    const data = await client.responses.create({ model: 'with-fallback', input: 'mock:words=2' });
    expect(data.output_text).toBe(mockReplyWords(2).join(' '));
    expect(await h.eventFor(requestIdOf(data.id))).toMatchObject({ attempts: 2, provider_id: 'prov-mock', status_code: 200 });
  });
});

describe('errors', () => {
  it('answers an unknown model with 404 model_not_found, through the SDK', async () => {
    const error = (await client.responses.create({ model: 'no-such-alias', input: 'Hi' }).catch((err: unknown) => err)) as InstanceType<typeof OpenAI.NotFoundError>;
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.error).toMatchObject({ code: 'model_not_found', param: 'model', type: 'invalid_request_error' });
    expect(await h.eventFor(error.requestID!)).toMatchObject({ status_code: 404, error_code: 'model_not_found' });
  });

  it.each([
    [{ input: 42 }, 'invalid_type', 'input'],
    [{ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, 'unsupported_value', 'input[0].content[0].file_id'],
    [{ input: 'x', tools: [{ type: 'web_search' }] }, 'unsupported_value', 'tools[0].type'],
    [{ input: 'x', conversation: 'conv_1' }, 'unsupported_parameter', 'conversation'],
    [{ input: 'x', frobnicate: true }, 'unknown_parameter', 'frobnicate'],
  ])('refuses bad input %j with 400 %s on %s', async (body, code, param) => {
    const response = await post({ model: 'relay-mini', ...body });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({ type: 'invalid_request_error', code, param });
  });

  it('refuses other methods with 405', async () => {
    const response = await fetch(`${h.url}/v1/responses`, { headers: { authorization: `Bearer ${h.activeKey}` } });
    expect(response.status).toBe(405);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
  });

  it('ends a stream the upstream breaks off with an error event and response.failed, never a clean completion', async () => {
    const stream = await client.responses.create({ model: 'relay-mini', input: 'mock:words=20 mock:cut-after=3', stream: true });
    const events = await collect(stream);
    expectLifecycle(events, 'response.failed');
    expect(events.at(-2)).toMatchObject({ type: 'error', code: 'upstream_stream_interrupted' });
    const failed = events.at(-1) as OpenAI.Responses.ResponseFailedEvent;
    expect(failed.response).toMatchObject({ status: 'failed', error: { code: 'upstream_stream_interrupted' } });
    expect(failed.response.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
    expect(await h.eventFor(requestIdOf(failed.response.id))).toMatchObject({ stream_end: 'error', error_code: 'upstream_stream_interrupted' });
  });

  it('records a client that goes away mid-stream as client_abort, with the output estimated', async () => {
    const stream = await client.responses.create({ model: 'relay-mini', input: 'mock:words=500 mock:delay=20', stream: true });
    let responseId = '';
    for await (const event of stream) {
      if (event.type === 'response.created') responseId = event.response.id;
      if (event.type === 'response.output_text.delta') break;
    }
    const event = await h.eventFor(requestIdOf(responseId));
    expect(event).toMatchObject({ streamed: true, stream_end: 'client_abort', status_code: 499, usage_source: 'estimate' });
    expect(event.completion_tokens).toBeGreaterThan(0);
  });
});
