import type { ProviderType } from '@proxystacks/shared/snapshot/config-snapshot';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';

/** One call to one upstream deployment. */
export interface UpstreamCall {
  readonly deployment: CompiledDeployment;
  /** The client's request, already validated; `model` is still the alias. */
  readonly request: ChatCompletionRequest;
  readonly stream: boolean;
  readonly signal: AbortSignal;
  /** The calling organisation: the upstream gate shares an origin's slots fairly between them. */
  readonly orgId: string;
  /**
   * Whether to wait in the origin's queue when it is at its limit. False while the alias has
   * another deployment to try: it fails at once (`upstream_overloaded`) and the fallback runs.
   */
  readonly waitForSlot?: boolean;
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
  /**
   * The origin (`scheme://host:port`, no credentials) a call to `deployment` goes to, which the
   * per-origin upstream gate counts against; null when it has none (the call then fails by itself).
   */
  originOf?(deployment: CompiledDeployment): string | null;
}
