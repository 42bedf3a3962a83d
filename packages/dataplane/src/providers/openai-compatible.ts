import type { UpstreamDispatchers } from '../upstream/upstream-dispatchers.ts';
import type { ProviderType } from '@proxystacks/shared/snapshot/config-snapshot';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { EmbeddingCall, ProviderAdapter, UpstreamCall, UpstreamEmbeddings, UpstreamResponse } from './provider-adapter.ts';
import { embeddingInputs } from './embedding-inputs.ts';
import { readOpenAIEmbeddings } from './openai-embeddings.ts';
import { postUpstream, readUpstreamAnswer, readUpstreamErrorText } from './post-upstream.ts';
import { spliceUpstreamModel } from './splice-upstream-model.ts';
import { upstreamHttpError } from './upstream-errors.ts';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import { originOfUrl } from '../upstream/origin-of-url.ts';
import { DEFAULT_AZURE_API_VERSION } from '@proxystacks/shared/providers/provider-presets';

/** Where each OpenAI-wire provider type lives when its provider sets no base URL. */
const DEFAULT_BASE_URLS: Partial<Record<ProviderType, string>> = {
  openai: 'https://api.openai.com/v1',
  deepseek: 'https://api.deepseek.com/v1',
};

export interface OpenAICompatibleOptions {
  /** Keep-alive connection pools shared by every upstream (one per provider `http2` setting). */
  dispatchers: UpstreamDispatchers;
  /** Headers and each idle gap in a body must come within this. */
  timeoutMs: number;
  /** Base URL of the built-in mock provider, for `mock` providers without a base URL. */
  mockBaseUrl: string | null;
  /** Largest JSON answer accepted (UPSTREAM_MAX_BODY_BYTES); past it the answer is cut off with `upstream_response_too_large`. */
  maxBodyBytes: number;
}

/**
 * The adapter for every upstream that speaks OpenAI's chat completions wire format: OpenAI,
 * DeepSeek, Azure OpenAI, vLLM, Ollama, LM Studio, Together, Groq… and the built-in mock.
 * Azure differs only in where a call goes and how it is authenticated (see {@link endpointOf}). The request goes
 * out as the client sent it, with `model` replaced by the upstream model and, for streams,
 * `stream_options.include_usage` switched on so usage is metered from the provider's own
 * count (the SSE relay strips the usage chunk again when the client did not ask for it). When
 * the call carries the client's bytes, the model is spliced into them (splice-upstream-model.ts)
 * rather than the request serialised again.
 */
export function createOpenAICompatibleAdapter(options: OpenAICompatibleOptions): ProviderAdapter {
  const baseUrlOf = (deployment: CompiledDeployment): string | null =>
    deployment.provider.baseUrl ?? (deployment.provider.type === 'mock' ? options.mockBaseUrl : (DEFAULT_BASE_URLS[deployment.provider.type] ?? null));
  /**
   * A deployment's chat completions URL and request headers, worked out once per deployment (a
   * snapshot compiles new deployment objects, so a changed URL or credential is a new entry):
   * per request they cost a regex replace, a URL and a header object (issue 11).
   */
  const chatTargets = new WeakMap<CompiledDeployment, ChatTarget>();
  const chatTargetOf = (deployment: CompiledDeployment): ChatTarget => {
    let target = chatTargets.get(deployment);
    if (target === undefined) {
      const url = endpointOf(deployment, requireBaseUrl(deployment, baseUrlOf(deployment)), 'chat/completions');
      target = { url, jsonHeaders: headersFor(deployment, 'application/json'), streamHeaders: headersFor(deployment, 'text/event-stream') };
      chatTargets.set(deployment, target);
    }
    return target;
  };
  return {
    types: ['openai', 'openai_compatible', 'deepseek', 'azure_openai', 'mock'],
    originOf: (deployment) => originOfUrl(baseUrlOf(deployment)),
    async chatCompletion(call: UpstreamCall): Promise<UpstreamResponse> {
      const { deployment } = call;
      const target = chatTargetOf(deployment);
      const body = (call.requestBytes ? spliceUpstreamModel(call.requestBytes, call.request, deployment.upstreamModel, call.stream) : null) ?? JSON.stringify(upstreamBody(call));
      const response = await postUpstream(call, target.url, call.stream ? target.streamHeaders : target.jsonHeaders, body, options);
      if (response.statusCode >= 400) throw upstreamHttpError(deployment, response.statusCode, await readUpstreamErrorText(response));
      if (!call.stream) return { kind: 'json', body: await readUpstreamAnswer(call, response, options.maxBodyBytes) };
      return { kind: 'stream', body: response.body };
    },
    /** `POST {base}/embeddings`, the request as the client sent it with the upstream model. */
    async embeddings(call: EmbeddingCall): Promise<UpstreamEmbeddings> {
      const { deployment } = call;
      const baseUrl = requireBaseUrl(deployment, baseUrlOf(deployment));
      const body = JSON.stringify({ ...call.request, model: deployment.upstreamModel });
      const response = await postUpstream(call, endpointOf(deployment, baseUrl, 'embeddings'), headersFor(deployment, 'application/json'), body, options);
      if (response.statusCode >= 400) throw upstreamHttpError(deployment, response.statusCode, await readUpstreamErrorText(response));
      const answer = await readUpstreamAnswer(call, response, options.maxBodyBytes);
      return readOpenAIEmbeddings(answer, deployment, embeddingInputs(call.request.input).length);
    },
  };
}

/** The base URL without trailing slashes; a provider without one fails its attempt (and the next deployment is tried). */
function requireBaseUrl(deployment: CompiledDeployment, baseUrl: string | null): string {
  if (baseUrl === null) {
    throw new RelayError('upstream_error', 'The provider for this model has no base URL configured.', {
      attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code: 'upstream_error', upstreamStatus: 0 }],
    });
  }
  return baseUrl.replace(/\/+$/, '');
}

/**
 * Where an operation goes: `{base}/{operation}`, or for Azure OpenAI
 * `{base}/openai/deployments/{deployment}/{operation}?api-version=…`, the deployment being the
 * route's upstream model (Azure names deployments, not models).
 */
function endpointOf(deployment: CompiledDeployment, baseUrl: string, operation: 'chat/completions' | 'embeddings'): string {
  if (deployment.provider.type !== 'azure_openai') return `${baseUrl}/${operation}`;
  const apiVersion = encodeURIComponent(deployment.provider.apiVersion ?? DEFAULT_AZURE_API_VERSION);
  return `${baseUrl}/openai/deployments/${encodeURIComponent(deployment.upstreamModel)}/${operation}?api-version=${apiVersion}`;
}

/** Where a deployment's chat completions go, and with which headers (never changed once made: postUpstream copies before adding any). */
interface ChatTarget {
  readonly url: string;
  readonly jsonHeaders: Readonly<Record<string, string>>;
  readonly streamHeaders: Readonly<Record<string, string>>;
}

/** Azure takes its key in `api-key`; every other OpenAI-wire upstream as a bearer token. */
function headersFor(deployment: CompiledDeployment, accept: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept };
  const credential = deployment.provider.credential;
  if (credential !== null) {
    if (deployment.provider.type === 'azure_openai') headers['api-key'] = credential;
    else headers.authorization = `Bearer ${credential}`;
  }
  return headers;
}

function upstreamBody(call: UpstreamCall): Record<string, unknown> {
  const out: Record<string, unknown> = { ...call.request, model: call.deployment.upstreamModel };
  if (call.stream) out.stream_options = { ...(call.request.stream_options ?? {}), include_usage: true };
  return out;
}
