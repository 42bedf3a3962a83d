import type { ProviderType } from '@proxystacks/shared/snapshot/config-snapshot';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import type { EmbeddingRequest } from '@proxystacks/shared/openai/embeddings-wire';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import type { AbortSignalLike } from '../routing/attempt-abort.ts';

/** One call to one upstream deployment. */
export interface UpstreamCall {
  readonly deployment: CompiledDeployment;
  /** The client's request, already validated; `model` is still the alias. */
  readonly request: ChatCompletionRequest;
  /**
   * The bytes `request` was parsed from, when it is exactly their parse (chat completions; not
   * the requests other APIs translate into this form): an OpenAI-wire adapter may splice the
   * upstream model into them instead of serialising the request again.
   */
  readonly requestBytes?: Buffer | null;
  readonly stream: boolean;
  /** Aborted when the client goes away or one of the attempt's deadlines passes: the upstream request is torn down. */
  readonly signal: AbortSignalLike;
  /** The calling organisation: the upstream gate shares an origin's slots fairly between them. */
  readonly orgId: string;
  /**
   * Whether to wait in the origin's queue when it is at its limit. False while the alias has
   * another deployment to try: it fails at once (`upstream_overloaded`) and the fallback runs.
   */
  readonly waitForSlot?: boolean;
  /**
   * Response headers must come within this (the attempt's first-token limit); absent = the
   * adapter's own timeout, which also bounds each idle gap in the body.
   */
  readonly headersTimeoutMs?: number;
  /** W3C `traceparent` for the upstream request (this attempt's span); absent or null when tracing is off. */
  readonly traceparent?: string | null;
}

/** One embeddings call to one upstream deployment: like {@link UpstreamCall}, never streamed. */
export interface EmbeddingCall extends Omit<UpstreamCall, 'request' | 'stream'> {
  /** The client's request, already validated; `model` is still the alias. */
  readonly request: EmbeddingRequest;
}

/**
 * An upstream's embeddings, whatever its wire: one vector per input, in input order, as the
 * upstream sent it (numbers, or base64 little-endian float32 when it encoded them). The route
 * puts them in the encoding the client asked for.
 */
export interface UpstreamEmbeddings {
  readonly vectors: ReadonlyArray<readonly number[] | string>;
  /** The model the upstream says answered (else the deployment's upstream model). */
  readonly model: string;
  /** Input tokens the upstream counted; null when it did not say (Gemini), then they are estimated. */
  readonly promptTokens: number | null;
}

/**
 * An upstream's answer in OpenAI wire format. Adapters for providers with their own formats
 * (Gemini, Anthropic) translate into this shape, so everything after the adapter (SSE relay,
 * metering, pricing, events) is provider-agnostic.
 */
export type UpstreamResponse =
  | { readonly kind: 'json'; readonly body: Buffer }
  | { readonly kind: 'stream'; readonly body: AsyncIterable<Uint8Array> };

/**
 * A provider adapter. It throws RelayError with an `upstream_*` code when the upstream refuses
 * or fails before answering; `attempts` on that error say what happened upstream.
 */
export interface ProviderAdapter {
  readonly types: readonly ProviderType[];
  chatCompletion(call: UpstreamCall): Promise<UpstreamResponse>;
  /** Embeddings; absent on providers that have none (Anthropic), whose deployments are skipped for `/v1/embeddings`. */
  embeddings?(call: EmbeddingCall): Promise<UpstreamEmbeddings>;
  /**
   * The origin (`scheme://host:port`, no credentials) a call to `deployment` goes to, which the
   * per-origin upstream gate counts against; null when it has none (the call then fails by itself).
   */
  originOf?(deployment: CompiledDeployment): string | null;
}
