import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { UNKNOWN_ALIAS } from '@proxystacks/shared/events/unknown-alias';
import type { EmbeddingObject, EmbeddingRequest, EmbeddingResponse } from '@proxystacks/shared/openai/embeddings-wire';
import { validateEmbeddingRequest } from '@proxystacks/shared/openai/validate-embeddings-request';
import type { BodyLease } from '../http/body-budget.ts';
import type { Exchange } from '../http/exchange.ts';
import { parseJsonBody } from '../http/parse-json-body.ts';
import { estimateTextsTokens } from '../metering/estimate-tokens.ts';
import { startUpstream, type RequestRecord } from '../metering/request-record.ts';
import { embeddingInputs } from '../providers/embedding-inputs.ts';
import { invalidEmbeddingsAnswer } from '../providers/openai-embeddings.ts';
import type { UpstreamEmbeddings } from '../providers/provider-adapter.ts';
import { base64ToFloats, floatsToBase64 } from '../providers/vector-encoding.ts';
import { keyDeployments } from '../routing/key-deployments.ts';
import { planRoute } from '../routing/plan-route.ts';
import { runAttempts } from '../routing/run-attempts.ts';
import { routeKey, type CompiledDeployment, type CompiledSnapshot } from '../snapshot/compiled-snapshot.ts';
import type { QuotaTicket } from '../quota/admission.ts';
import type { AdmissionPlan } from '../quota/admission-plan.ts';
import type { ChatCompletionsDeps } from './chat-completions.ts';
import { admitBeforeForwarding, serveMeteredRequest } from './metered-request.ts';
import { reportRouting } from '../metering/relay-headers.ts';
import { requestCostMicros } from '../metering/request-cost.ts';
import { spliceUsageCost } from '../metering/usage-cost.ts';

/** What the embeddings route needs: the chat route's dependencies, less what only streams use. */
export type EmbeddingsDeps = Pick<ChatCompletionsDeps, 'snapshots' | 'providers' | 'events' | 'metrics' | 'keySecret' | 'maxBodyBytes' | 'bodyBudget' | 'dataplaneId' | 'logger' | 'admission' | 'resilience'>;

/**
 * `POST /v1/embeddings`, OpenAI-compatible: authenticate → read and validate the body →
 * resolve the alias (the key's allow-list and environment, as for chat) → try the deployments
 * that can embed, in the alias's strategy order, through the chat route's attempt loop
 * (breakers, retry budget, deadlines) → answer in the encoding asked
 * for → meter (input tokens, priced by the answering deployment's rule) → one event.
 *
 * The event has no column saying which endpoint was called: an embeddings event is one with
 * zero completion tokens, no finish reason and `streamed` false.
 */
export async function serveEmbeddings(ex: Exchange, deps: EmbeddingsDeps): Promise<void> {
  await serveMeteredRequest(ex, deps, async ({ snapshot, record, bodyLease, plan, quota }) => {
    const request = validateEmbeddingRequest(parseJsonBody(await ex.readBody(deps.maxBodyBytes, bodyLease)));
    await forward(ex, deps, snapshot, request, record, bodyLease, plan, quota);
  });
}

async function forward(
  ex: Exchange,
  deps: EmbeddingsDeps,
  snapshot: CompiledSnapshot,
  request: EmbeddingRequest,
  record: RequestRecord,
  bodyLease: BodyLease,
  plan: AdmissionPlan,
  quota: { ticket: QuotaTicket | null },
): Promise<void> {
  const route = snapshot.routes.get(routeKey(record.key!.orgId, request.model));
  record.alias = route === undefined ? UNKNOWN_ALIAS : request.model;
  // Deployments on providers without embeddings (Anthropic) are skipped, so a fallback never lands on one.
  const capable = keyDeployments(record.key!, route, request.model).filter((d) => deps.providers.embedderFor(d.provider.type) !== null);
  if (capable.length === 0) {
    throw new RelayError('model_not_supported', `The model '${request.model}' does not support embeddings.`, { param: 'model' });
  }
  reportRouting(ex, record);
  // Embeddings count against the same limits, budgets and balance as chat: input tokens only.
  const admitting = admitBeforeForwarding(ex, deps.admission, { plan, quota }, () => deps.admission.admitTokens(plan, () => estimateInputTokens(request), 0, capable));
  if (admitting !== null) await admitting;
  const { resilience } = deps;
  const planned = planRoute(route!, capable, resilience, false, async () => ({ promptTokens: await estimateInputTokens(request), outputTokens: 0 }));
  const deployments = Array.isArray(planned) ? planned : await planned;
  startUpstream(record, deployments);
  await runAttempts(ex, resilience, record, deployments, async (deployment, attempt) => {
    const answer = await deps.providers.embedderFor(deployment.provider.type)!.embeddings({
      deployment,
      request,
      signal: attempt.signal,
      orgId: record.key!.orgId,
      waitForSlot: attempt.waitForSlot,
      headersTimeoutMs: attempt.headersTimeoutMs,
      traceparent: attempt.traceparent,
    });
    attempt.firstToken();
    bodyLease.release();
    await answerEmbeddings(ex, request, deployment, answer, record);
  });
}

/** The answer in OpenAI's shape and the client's encoding; usage from the provider, else estimated. */
async function answerEmbeddings(ex: Exchange, request: EmbeddingRequest, deployment: CompiledDeployment, answer: UpstreamEmbeddings, record: RequestRecord): Promise<void> {
  record.upstreamDoneAt = performance.now();
  const base64 = request.encoding_format === 'base64';
  const data: EmbeddingObject[] = answer.vectors.map((vector, index) => {
    if (base64) return { object: 'embedding', index, embedding: typeof vector === 'string' ? vector : floatsToBase64(vector) };
    const floats = typeof vector === 'string' ? base64ToFloats(vector) : (vector as number[]);
    if (floats === null) throw invalidEmbeddingsAnswer(deployment, 'malformed vectors');
    return { object: 'embedding', index, embedding: floats };
  });
  let promptTokens = answer.promptTokens;
  record.usageSource = 'provider';
  if (promptTokens === null) {
    promptTokens = await estimateInputTokens(request);
    record.usageSource = 'estimate';
  }
  record.usage = { promptTokens, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 };
  record.statusCode = 200;
  const response: EmbeddingResponse = { object: 'list', data, model: answer.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
  const body = Buffer.from(JSON.stringify(response));
  ex.sendJson(200, spliceUsageCost(body, requestCostMicros(record)) ?? body);
}

/** Text inputs through the project's tokenizer (o200k); token-id inputs are their own count. */
async function estimateInputTokens(request: EmbeddingRequest): Promise<number> {
  let tokens = 0;
  const texts: string[] = [];
  for (const input of embeddingInputs(request.input)) {
    if (typeof input === 'string') texts.push(input);
    else tokens += input.length;
  }
  return tokens + (texts.length === 0 ? 0 : await estimateTextsTokens(texts));
}
