import type { ProviderType } from '@proxystacks/shared/snapshot/config-snapshot';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { ProviderAdapter } from './provider-adapter.ts';

/**
 * Provider type → adapter. One adapter may serve several types (every OpenAI-wire upstream
 * shares one). Gemini and Anthropic adapters register here when they land.
 */
export interface ProviderRegistry {
  adapterFor(type: ProviderType): ProviderAdapter;
  /** The adapter that makes embeddings for `type`, or null when that provider has none (Anthropic) or is not supported. */
  embedderFor(type: ProviderType): EmbeddingAdapter | null;
}

/** An adapter that has embeddings. */
export type EmbeddingAdapter = ProviderAdapter & Required<Pick<ProviderAdapter, 'embeddings'>>;

export function createProviderRegistry(adapters: readonly ProviderAdapter[]): ProviderRegistry {
  const byType = new Map<ProviderType, ProviderAdapter>();
  for (const adapter of adapters) for (const type of adapter.types) byType.set(type, adapter);
  return {
    adapterFor(type) {
      const adapter = byType.get(type);
      if (adapter === undefined) {
        throw new RelayError('upstream_error', `Provider type '${type}' is not supported by this data plane yet.`);
      }
      return adapter;
    },
    embedderFor(type) {
      const adapter = byType.get(type);
      return adapter?.embeddings === undefined ? null : (adapter as EmbeddingAdapter);
    },
  };
}
