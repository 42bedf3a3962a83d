import { randomBytes } from 'node:crypto';
import type { UpstreamDispatchers } from '../../upstream/upstream-dispatchers.ts';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { EmbeddingCall, ProviderAdapter, UpstreamCall, UpstreamEmbeddings, UpstreamResponse } from '../provider-adapter.ts';
import { postUpstream, readUpstreamAnswer, readUpstreamErrorText, type UpstreamAnswer, type UpstreamTarget } from '../post-upstream.ts';
import type { CompiledDeployment } from '../../snapshot/compiled-snapshot.ts';
import { originOfUrl } from '../../upstream/origin-of-url.ts';
import { fromGeminiResponse } from './from-gemini-response.ts';
import { geminiHttpError } from './gemini-errors.ts';
import { translateGeminiStream } from './gemini-stream.ts';
import type { GeminiResponse } from './gemini-wire.ts';
import { toGeminiRequest } from './to-gemini-request.ts';
import { fromGeminiEmbedBatch, toGeminiEmbedBatches, type GeminiBatchEmbedResponse } from './gemini-embeddings.ts';

/** Google's Gemini API, for `gemini` providers without a base URL. */
export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

export interface GeminiAdapterOptions {
  /** Keep-alive connection pools shared by every upstream (address-guarded; one per provider `http2` setting). */
  dispatchers: UpstreamDispatchers;
  /** Headers and each idle gap in a body must come within this. */
  timeoutMs: number;
  /** Largest JSON answer (and largest stream event) accepted (UPSTREAM_MAX_BODY_BYTES). */
  maxBodyBytes: number;
}

/**
 * The adapter for Gemini's native API: `POST {base}/models/{model}:generateContent`, or
 * `:streamGenerateContent?alt=sse` for streams. The OpenAI request is translated
 * (to-gemini-request.ts) and the answer translated back to the OpenAI wire (JSON, or an SSE
 * stream the relay handles like any other), so routing, metering and events stay provider-agnostic.
 *
 * The key goes in the `x-goog-api-key` header and never in the URL, where it would end up in
 * proxy and access logs (ARCHITECTURE.md, traps); a base URL with a query string is refused.
 * Reference: https://ai.google.dev/api/generate-content
 */
export function createGeminiAdapter(options: GeminiAdapterOptions): ProviderAdapter {
  const baseUrlOf = (deployment: CompiledDeployment): string => deployment.provider.baseUrl ?? GEMINI_DEFAULT_BASE_URL;
  return {
    types: ['gemini'],
    originOf: (deployment) => originOfUrl(baseUrlOf(deployment)),
    async chatCompletion(call: UpstreamCall): Promise<UpstreamResponse> {
      const { deployment } = call;
      const url = methodUrl(baseUrlOf(deployment), deployment, call.stream);
      // Translation errors are the client's (400 with `param`) and are thrown before any upstream call.
      const body = JSON.stringify(toGeminiRequest(call.request));
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: call.stream ? 'text/event-stream' : 'application/json' };
      if (deployment.provider.credential !== null) headers['x-goog-api-key'] = deployment.provider.credential;

      const response = await postUpstream(call, url, headers, body, options);
      if (response.statusCode >= 400) throw geminiHttpError(deployment, response.statusCode, response.headers, await readUpstreamErrorText(response));
      const meta = { id: `chatcmpl-${randomBytes(12).toString('hex')}`, created: Math.floor(Date.now() / 1000), model: deployment.upstreamModel };
      if (call.stream) {
        return { kind: 'stream', body: translateGeminiStream(response.body, { ...meta, maxEventBytes: options.maxBodyBytes }) };
      }
      const parsed = await readGeminiJson<GeminiResponse>(call, response, options.maxBodyBytes);
      return { kind: 'json', body: Buffer.from(JSON.stringify(fromGeminiResponse(parsed, meta))) };
    },
    /**
     * `POST {base}/models/{model}:batchEmbedContents`, one call per GEMINI_EMBED_BATCH_MAX inputs
     * (in turn, so one request holds one upstream slot). Gemini returns no token counts: the
     * route estimates them (usage_source `estimate`).
     */
    async embeddings(call: EmbeddingCall): Promise<UpstreamEmbeddings> {
      const { deployment } = call;
      const url = geminiMethodUrl(baseUrlOf(deployment), deployment, 'batchEmbedContents');
      const batches = toGeminiEmbedBatches(call.request, geminiResource(deployment.upstreamModel));
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (deployment.provider.credential !== null) headers['x-goog-api-key'] = deployment.provider.credential;
      const vectors: number[][] = [];
      let promptTokens: number | null = 0;
      for (const batch of batches) {
        const response = await postUpstream(call, url, headers, JSON.stringify(batch), options);
        if (response.statusCode >= 400) throw geminiHttpError(deployment, response.statusCode, response.headers, await readUpstreamErrorText(response));
        const parsed = await readGeminiJson<GeminiBatchEmbedResponse>(call, response, options.maxBodyBytes);
        vectors.push(...fromGeminiEmbedBatch(parsed, batch.requests.length, deployment));
        const counted = parsed?.usageMetadata?.promptTokenCount;
        promptTokens = promptTokens !== null && typeof counted === 'number' && Number.isSafeInteger(counted) && counted >= 0 ? promptTokens + counted : null;
      }
      return { vectors, model: deployment.upstreamModel, promptTokens };
    },
  };
}

/**
 * `{base}/models/{model}:{method}`. The upstream model may be written `gemini-2.5-flash`,
 * `models/gemini-2.5-flash` or `tunedModels/my-model`, as Google's SDKs accept.
 */
function methodUrl(baseUrl: string, deployment: CompiledDeployment, stream: boolean): string {
  return geminiMethodUrl(baseUrl, deployment, stream ? 'streamGenerateContent?alt=sse' : 'generateContent');
}

/** `{base}/{resource}:{method}` for any Gemini method (generateContent, batchEmbedContents…). */
export function geminiMethodUrl(baseUrl: string, deployment: CompiledDeployment, method: string): string {
  if (baseUrl.includes('?') || baseUrl.includes('#')) {
    throw new RelayError('upstream_error', 'The Gemini provider for this model has a base URL with a query string; the API key belongs in the provider credential, never in the URL.', {
      attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code: 'upstream_error', upstreamStatus: 0 }],
    });
  }
  return `${baseUrl.replace(/\/+$/, '')}/${geminiResource(deployment.upstreamModel, encodeURIComponent)}:${method}`;
}

/** The model's resource name (`models/x`, `tunedModels/y`), each id passed through `encode` (URL-encoded in a URL, as is in a body). */
export function geminiResource(model: string, encode: (id: string) => string = (id) => id): string {
  return model.startsWith('tunedModels/') ? `tunedModels/${encode(model.slice(12))}` : `models/${encode(model.replace(/^models\//, ''))}`;
}

/** A whole JSON answer, parsed; anything but a JSON object is the upstream's failure. */
async function readGeminiJson<T extends object>(call: UpstreamTarget, response: UpstreamAnswer, maxBodyBytes: number): Promise<T> {
  const answer = await readUpstreamAnswer(call, response, maxBodyBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.toString('utf8'));
  } catch {
    throw invalidAnswer(call.deployment);
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidAnswer(call.deployment);
  return parsed as T;
}

function invalidAnswer(deployment: CompiledDeployment): RelayError {
  return new RelayError('upstream_error', 'The upstream provider answered with invalid JSON.', {
    attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code: 'upstream_error', upstreamStatus: 200 }],
  });
}
