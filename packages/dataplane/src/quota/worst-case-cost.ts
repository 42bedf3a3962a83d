import { priceRequest, type TokenPrices } from '@proxystacks/shared/pricing/price-request';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';

/**
 * Output tokens a request reserves: its own `max_completion_tokens` / `max_tokens`, else the
 * alias's reserveOutputTokens, else the data plane's DEFAULT_RESERVE_OUTPUT_TOKENS.
 */
export function outputReservation(request: ChatCompletionRequest, aliasReserve: number | null, defaultReserve: number): number {
  const own = request.max_completion_tokens ?? request.max_tokens;
  if (typeof own === 'number' && Number.isSafeInteger(own) && own >= 0) return own;
  return aliasReserve ?? defaultReserve;
}

/**
 * Worst-case cost in micros of `promptTokens` in and `outputTokens` out under the most expensive
 * pricing rule among the deployments the request may fall back to (any of them may answer).
 * Unpriced deployments cost 0. The provider decides after the fact how much of the prompt it
 * read from or wrote to its prompt cache (Anthropic may report all of it as cache writes, billed
 * above input), so every prompt token is priced at the rule's dearest prompt price.
 */
export function worstCaseCostMicros(deployments: readonly CompiledDeployment[], promptTokens: number, outputTokens: number): number {
  let worst = 0;
  for (const d of deployments) {
    if (d.pricing === null) continue;
    const cost = priceRequest({ promptTokens, completionTokens: outputTokens, cachedTokens: 0, cacheWriteTokens: 0 }, dearestPromptPrices(d.pricing));
    if (cost > worst) worst = cost;
  }
  return worst;
}

/** `prices` with every prompt token at the highest of its input, cache-read and cache-write prices. */
function dearestPromptPrices(prices: TokenPrices): TokenPrices {
  const input = prices.inputMicrosPerMTok;
  const dearest = Math.max(input, prices.cachedInputMicrosPerMTok ?? input, prices.cacheWriteMicrosPerMTok ?? input);
  return dearest === input ? prices : { ...prices, inputMicrosPerMTok: dearest };
}

/** Highest output price per million tokens among `deployments`: what one more streamed token may cost. */
export function maxOutputMicrosPerMTok(deployments: readonly CompiledDeployment[]): number {
  let max = 0;
  for (const d of deployments) if (d.pricing !== null && d.pricing.outputMicrosPerMTok > max) max = d.pricing.outputMicrosPerMTok;
  return max;
}
