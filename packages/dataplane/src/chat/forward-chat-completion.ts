import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { UNKNOWN_ALIAS } from '@proxystacks/shared/events/unknown-alias';
import type { ChatCompletion, ChatCompletionRequest, ChatUsage } from '@proxystacks/shared/openai/wire';
import type { TokenUsage } from '@proxystacks/shared/pricing/price-request';
import type { Exchange } from '../http/exchange.ts';
import { admissionPromptTokens, estimatePromptTokens, estimateTextTokens } from '../metering/estimate-tokens.ts';
import { startUpstream, type RequestRecord } from '../metering/request-record.ts';
import type { ProviderRegistry } from '../providers/provider-registry.ts';
import { upstreamResponseTooLarge } from '../providers/upstream-errors.ts';
import { keyDeployments } from '../routing/key-deployments.ts';
import { planRoute } from '../routing/plan-route.ts';
import { runAttempts } from '../routing/run-attempts.ts';
import type { UpstreamResilience } from '../routing/upstream-resilience.ts';
import { outputReservation } from '../quota/worst-case-cost.ts';
import { routeKey, type CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import { relaySse, StreamFailedBeforeStart, type StreamOutcome } from '../streaming/sse-relay.ts';
import type { QuotaTicket } from '../quota/admission.ts';
import { admitBeforeForwarding, type MeteredRequest, type MeteredRequestDeps } from '../routes/metered-request.ts';
import type { ChatSurface, SseRenderer } from './chat-surface.ts';
import { isCacheableFinish, responseCachePlan, type CachePlan } from '../cache/cache-plan.ts';
import { replayAsStream } from '../cache/replay-stream.ts';
import type { ResponseCache } from '../cache/response-cache.ts';
import { createStreamCapture, upstreamChunkObserver } from '../cache/upstream-tap.ts';
import { reportRouting } from '../metering/relay-headers.ts';
import { requestCostMicros } from '../metering/request-cost.ts';
import { readCompletionFigures } from '../metering/completion-figures.ts';
import { findUsageObject, spliceCostInto, spliceUsageCost } from '../metering/usage-cost.ts';

/** What routing a chat request needs, whichever inbound API it came through. */
export interface ChatCompletionsDeps extends MeteredRequestDeps {
  providers: ProviderRegistry;
  maxBodyBytes: number;
  /** Largest single SSE event relayed from an upstream (UPSTREAM_MAX_SSE_EVENT_BYTES). */
  upstreamMaxSseEventBytes: number;
  /** Breakers, retry budget and attempt limits (routing/upstream-resilience.ts). */
  resilience: UpstreamResilience;
  /** The exact-match response cache (aliases and keys opt in); absent = none. */
  responseCache?: ResponseCache;
}

/**
 * Routes one chat request: resolve the alias → admit (reserve quota) → try its deployments in
 * order → answer through `surface` (JSON or SSE). Shared by every inbound API that is a chat at
 * heart (chat completions, Responses, Anthropic Messages), so each gets the same fallback,
 * admission, metering and failure rules. `request` is in OpenAI chat form; `model` is the alias.
 * The deployments are ordered by the alias's strategy and tried by runAttempts (breakers, retry
 * budget, per-attempt deadlines). `requestBytes` are the client's body when `request` is exactly
 * its parse (chat completions), for adapters that forward it with the model spliced in.
 */
export async function forwardChatCompletion(
  ex: Exchange,
  deps: ChatCompletionsDeps,
  { snapshot, record, bodyLease, plan, quota }: MeteredRequest,
  request: ChatCompletionRequest,
  surface: ChatSurface = {},
  requestBytes: Buffer | null = null,
): Promise<void> {
  const route = snapshot.routes.get(routeKey(record.key!.orgId, request.model));
  // Only a name that resolved becomes the event's alias: the rest share one bucket (UNKNOWN_ALIAS).
  record.alias = route === undefined ? UNKNOWN_ALIAS : request.model;
  const routable = keyDeployments(record.key!, route, request.model);
  reportRouting(ex, record);
  const cache = deps.responseCache === undefined ? null : responseCachePlan(route!, record.key!, request);
  if (cache !== null && (await answerFromCache(ex, deps, { plan, quota }, request, routable, record, cache, surface))) return;
  const admitting = admitBeforeForwarding(ex, deps.admission, { plan, quota }, () => deps.admission.admit(plan, request, routable, route!.reserveOutputTokens ?? null));
  if (admitting !== null) await admitting;
  const { resilience } = deps;
  const planned = planRoute(route!, routable, resilience, record.streamed, async () => ({
    promptTokens: await estimatePromptTokens(request.messages),
    outputTokens: outputReservation(request, route!.reserveOutputTokens ?? null, resilience.attempts.defaultOutputTokens),
  }));
  const deployments = Array.isArray(planned) ? planned : await planned;
  startUpstream(record, deployments);
  await runAttempts(ex, resilience, record, deployments, async (deployment, attempt) => {
    const response = await deps.providers.adapterFor(deployment.provider.type).chatCompletion({
      deployment,
      request,
      requestBytes,
      stream: record.streamed,
      signal: attempt.signal,
      orgId: record.key!.orgId,
      waitForSlot: attempt.waitForSlot,
      headersTimeoutMs: attempt.headersTimeoutMs,
      traceparent: attempt.traceparent,
    });
    // The upstream has the request: its bytes no longer count against the body budget.
    bodyLease.release();
    if (response.kind === 'json') {
      attempt.firstToken();
      // Awaited only when it is a promise: the usual answer (usage read in place) goes out at once.
      const answering = answerJson(ex, request, deployment, response.body, record, surface, deps.responseCache, cache);
      if (answering !== undefined) await answering;
      return;
    }
    try {
      return await answerStream(ex, request, response.body, record, deps.upstreamMaxSseEventBytes, quota.ticket, surface, attempt.firstToken, deps.responseCache, cache);
    } catch (err) {
      if (!(err instanceof StreamFailedBeforeStart)) throw err;
      // The upstream said 200 and then broke off before its first content: the client has seen
      // nothing yet (the role-only chunk is held back), so this is a failed attempt like any other.
      if (err.code === 'upstream_response_too_large') throw upstreamResponseTooLarge(deployment, 'stream event', deps.upstreamMaxSseEventBytes);
      throw new RelayError('upstream_error', 'The upstream provider ended the stream before sending anything.', {
        attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code: 'upstream_error', upstreamStatus: 200, ...(err.upstreamErrorCode ? { upstreamErrorCode: err.upstreamErrorCode } : {}) }],
        ...(err.upstreamErrorCode ? { upstreamErrorCode: err.upstreamErrorCode } : {}),
      });
    }
  });
  if (ex.aborted && record.streamEnd === '') record.streamEnd = record.streamed ? 'client_abort' : '';
}

/**
 * A JSON answer goes out byte for byte (chat completions) or re-rendered by the surface; it is
 * parsed once, for its usage and finish reason. Answered synchronously (undefined) when the
 * usage can be read in place; otherwise the promise of {@link answerParsedJson}.
 */
function answerJson(
  ex: Exchange,
  request: ChatCompletionRequest,
  deployment: CompiledDeployment,
  body: Buffer,
  record: RequestRecord,
  surface: ChatSurface,
  responseCache?: ResponseCache,
  cache: CachePlan | null = null,
): Promise<void> | undefined {
  if (record.cacheStatus !== 'hit') record.upstreamDoneAt = performance.now();
  // Forwarded byte for byte and not stored: metering reads usage and finish reason in place, and
  // the cost goes into the usage object found for that.
  const usageAt = surface.renderJson === undefined && cache === null ? findUsageObject(body) : null;
  const figures = usageAt === null ? null : readCompletionFigures(body, usageAt);
  if (figures !== null) {
    record.statusCode = 200;
    record.finishReason = figures.finishReason;
    record.usage = fromWireUsage(figures.usage);
    record.usageSource = 'provider';
    ex.sendJson(200, spliceCostInto(body, usageAt!, requestCostMicros(record)));
    return undefined;
  }
  return answerParsedJson(ex, request, deployment, body, record, surface, responseCache, cache);
}

/** {@link answerJson} when the answer must be parsed: rendered by a surface, cached, or usage not found in place. */
async function answerParsedJson(
  ex: Exchange,
  request: ChatCompletionRequest,
  deployment: CompiledDeployment,
  body: Buffer,
  record: RequestRecord,
  surface: ChatSurface,
  responseCache: ResponseCache | undefined,
  cache: CachePlan | null,
): Promise<void> {
  let completion: { usage?: ChatUsage | null; choices?: Array<{ finish_reason?: string | null; message?: { content?: unknown } }> } = {};
  try {
    completion = JSON.parse(body.toString('utf8')) as typeof completion;
  } catch {
    throw new RelayError('upstream_error', 'The upstream provider answered with invalid JSON.', {
      attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code: 'upstream_error', upstreamStatus: 200 }],
    });
  }
  record.statusCode = 200;
  record.finishReason = completion.choices?.[0]?.finish_reason ?? '';
  if (completion.usage) {
    record.usage = fromWireUsage(completion.usage);
    record.usageSource = 'provider';
  } else {
    const text = (completion.choices ?? []).map((c) => (typeof c.message?.content === 'string' ? c.message.content : '')).join('');
    record.usage = { promptTokens: await estimatePromptTokens(request.messages), completionTokens: await estimateTextTokens(text), cachedTokens: 0, cacheWriteTokens: 0 };
    record.usageSource = 'estimate';
  }
  const costMicros = requestCostMicros(record);
  if (cache !== null && record.cacheStatus === 'miss' && isCacheableFinish((completion.choices ?? []).map((c) => c.finish_reason))) {
    responseCache!.set(cache.key, { completion: body, deploymentId: deployment.id, costMicros }, cache.ttlMs);
  }
  // Usage is known first: the event is recorded (and logged) as the body goes out, its cost
  // spliced into the body's usage (the figure the event and x-relay-cost-micros show).
  const rendered = surface.renderJson ? surface.renderJson(body, request) : body;
  ex.sendJson(200, spliceUsageCost(rendered, costMicros) ?? rendered);
}

/**
 * Serves a request from the response cache when it holds a live answer made by a deployment the
 * key may still use: admitted without upstream spend (rate limits and token limits still count),
 * answered as JSON or replayed as a stream through the same metering, recorded with cost 0 and
 * the original cost as saved. Returns false on a miss (the request is then routed as usual).
 */
async function answerFromCache(
  ex: Exchange,
  deps: ChatCompletionsDeps,
  admission: Pick<MeteredRequest, 'plan' | 'quota'>,
  request: ChatCompletionRequest,
  routable: readonly CompiledDeployment[],
  record: RequestRecord,
  cache: CachePlan,
  surface: ChatSurface,
): Promise<boolean> {
  const hit = deps.responseCache!.get(cache.key);
  const deployment = hit === null ? undefined : routable.find((d) => d.id === hit.deploymentId);
  record.cacheStatus = deployment === undefined ? 'miss' : 'hit';
  if (hit === null || deployment === undefined) return false;
  const admitting = admitBeforeForwarding(ex, deps.admission, admission, () => deps.admission.admitTokens(admission.plan, () => admissionPromptTokens(request.messages), 0, []));
  if (admitting !== null) await admitting;
  record.deployment = deployment;
  record.cacheSavedMicros = hit.costMicros;
  if (!record.streamed) {
    const answering = answerJson(ex, request, deployment, hit.completion, record, surface);
    if (answering !== undefined) await answering;
    return true;
  }
  const completion = JSON.parse(hit.completion.toString('utf8')) as ChatCompletion;
  await answerStream(ex, request, replayAsStream(completion), record, deps.upstreamMaxSseEventBytes, admission.quota.ticket, surface, () => {});
  return true;
}

async function answerStream(
  ex: Exchange,
  request: ChatCompletionRequest,
  upstream: AsyncIterable<Uint8Array>,
  record: RequestRecord,
  maxEventBytes: number,
  ticket: QuotaTicket | null,
  surface: ChatSurface,
  onFirstContent: () => void,
  responseCache?: ResponseCache,
  cache: CachePlan | null = null,
): Promise<void> {
  const capture = cache !== null && record.cacheStatus === 'miss' ? createStreamCapture(maxEventBytes) : null;
  const recordOutcome = async (outcome: StreamOutcome) => {
    record.statusCode = outcome.end === 'client_abort' ? 499 : 200;
    record.streamEnd = outcome.end;
    record.finishReason = outcome.finishReason;
    record.ttftMs = outcome.ttftMs;
    record.errorCode = outcome.errorCode;
    record.upstreamErrorCode = outcome.upstreamErrorCode;
    if (outcome.usage !== null) {
      record.usage = fromWireUsage(outcome.usage);
      record.usageSource = 'provider';
    } else {
      // Cut short (client gone, upstream broke off) or a provider that reports no usage: what was
      // generated was still paid for upstream, so it is estimated rather than dropped. Streams
      // carry about one token per content event.
      record.usage = { promptTokens: await estimatePromptTokens(request.messages), completionTokens: outcome.contentEvents, cachedTokens: 0, cacheWriteTokens: 0 };
      record.usageSource = 'estimate';
    }
  };
  const surfaceRenderer = surface.streamRenderer?.(request) ?? null;
  const renderer = surfaceRenderer === null ? null : withClosingCost(surfaceRenderer, () => requestCostMicros(record));
  // The outcome is recorded before the terminal event goes out (beforeTerminal), and again
  // when the stream ended without one (client gone) so the event still says what happened.
  const outcome = await relaySse({
    upstream,
    onUpstreamChunk: record.cacheStatus === 'hit' ? null : upstreamChunkObserver(ex, record, capture),
    exchange: ex,
    // A renderer needs the usage chunk for its own closing events (it decides what the client sees).
    clientWantsUsage: request.stream_options?.include_usage === true || renderer !== null,
    maxEventBytes,
    beforeTerminal: recordOutcome,
    outputCharge: ticket,
    renderer,
    onFirstContent,
    // The same function and figures the event uses (requestCostMicros), so the two agree.
    usageCost: (usage) => requestCostMicros({ deployment: record.deployment, usage: fromWireUsage(usage), cacheStatus: record.cacheStatus }),
  });
  if (!ex.finished || outcome.end === 'client_abort') await recordOutcome(outcome);
  const captured = outcome.end === 'done' && outcome.errorCode === '' ? capture?.completion() : null;
  if (captured && isCacheableFinish(captured.finishReasons)) {
    responseCache!.set(cache!.key, { completion: captured.body, deploymentId: record.deployment!.id, costMicros: requestCostMicros(record) }, cache!.ttlMs);
  }
}

/**
 * A surface's renderer whose closing events carry the cost in their usage (Responses'
 * `response.completed`, Messages' `message_delta`): spliced into the last `usage` object of the
 * closing bytes, after the outcome was recorded (so it is the event's figure).
 */
function withClosingCost(renderer: SseRenderer, costMicros: () => number): SseRenderer {
  return {
    event: (event) => renderer.event(event),
    done(outcome) {
      const closing = renderer.done(outcome);
      const bytes = typeof closing === 'string' ? Buffer.from(closing) : closing;
      return spliceUsageCost(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), costMicros()) ?? closing;
    },
    error: (error, outcome) => renderer.error(error, outcome),
  };
}

/**
 * The upstream's usage as metered. Cache reads (`cached_tokens`) and cache writes
 * (`cache_write_tokens`: the Anthropic adapter's, providers/anthropic/usage.ts, and OpenRouter's
 * name for the same) are clamped to the prompt they are parts of, reads first, so priceRequest
 * never sees more than the prompt; a provider that reports neither has 0 of each.
 */
function fromWireUsage(usage: ChatUsage): TokenUsage {
  const prompt = nonNegative(usage.prompt_tokens);
  const cached = Math.min(nonNegative(usage.prompt_tokens_details?.cached_tokens), prompt);
  const cacheWrite = Math.min(nonNegative(usage.prompt_tokens_details?.cache_write_tokens), prompt - cached);
  return { promptTokens: prompt, completionTokens: nonNegative(usage.completion_tokens), cachedTokens: cached, cacheWriteTokens: cacheWrite };
}

function nonNegative(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? Math.min(value, 4_294_967_295) : 0;
}

